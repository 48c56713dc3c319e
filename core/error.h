/* error.h — the one error enum of cjx.
 *
 * Every function that can fail returns a cjx_err. The same numbers travel on
 * the wire as Nack.reason, so a value is never renumbered or reused; new codes
 * go at the end of the list, before CJX_ERR_COUNT. docs/protocol.md lists them.
 */
#ifndef CJX_ERROR_H
#define CJX_ERROR_H

typedef enum cjx_err {
    CJX_OK = 0,
    CJX_EMALFORMED = 1,    /* bytes that do not decode (JSON or protobuf) */
    CJX_ETOOBIG = 2,       /* message over the size limit */
    CJX_EKIND = 3,         /* unknown or missing posting/record kind */
    CJX_EREQUIRED = 4,     /* a required field is missing or empty */
    CJX_ELENGTH = 5,       /* a string is too long */
    CJX_ERANGE = 6,        /* a number or enum value out of range */
    CJX_ECHECKCHAR = 7,    /* a code's check character is wrong */
    CJX_ECODE = 8,         /* a code of the wrong form (characters, length) */
    CJX_EDIVISION = 9,     /* unknown GB/T 2260 division code */
    CJX_EMAJOR = 10,       /* major code not in the catalogue */
    CJX_EDATE = 11,        /* not a date, or dates in the wrong order */
    CJX_EWORDING = 12,     /* discriminatory wording in a job posting */
    CJX_ENOSESSION = 13,   /* frame before Hello, or session unknown to the hub */
    CJX_EPROTOCOL = 14,    /* a frame not valid in this state of the session */
    CJX_EVERSION = 15,     /* protocol or store format version mismatch */
    CJX_ENOTFOUND = 16,    /* no such item */
    CJX_ESTORE = 17,       /* LMDB failed */
    CJX_EIO = 18,          /* file or socket I/O failed */
    CJX_ENOMEM = 19,
    CJX_ECONFIG = 20,      /* bad configuration */
    CJX_EINVAL = 21,       /* bad argument from our own caller */
    CJX_ETIMEOUT = 22,
    CJX_EFIELD = 23,       /* unknown field name in the input */
    CJX_EFORBIDDEN = 24,   /* not allowed for this institution */
    CJX_ELIMIT = 25,       /* a limit of the hub was reached (publish rate, sessions): retry later */
    CJX_ERR_COUNT
} cjx_err;

/* Returns a short, stable, lower-case name ("check_char") for metrics labels
 * and logs; "unknown" for values out of range. Static storage. */
const char *cjx_err_name(int err);

/* Returns a human sentence for err. Static storage. */
const char *cjx_strerror(int err);

/* A refusal with the field it is about: what validation and the JSON mapping
 * report, and what a Nack carries. */
typedef struct cjx_fault {
    cjx_err code;
    char field[128];       /* dotted path, e.g. "posting.job.headcount"; "" if none */
    char text[256];        /* why, for a person */
} cjx_fault;

/* Fills *f and returns code, so callers can `return cjx_fault_set(...)`. */
cjx_err cjx_fault_set(cjx_fault *f, cjx_err code, const char *field,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
