/* codes.h — the Chinese codes cjx validates, and the catalogues they are
 * checked against.
 *
 * Form and check-character rules are code (they are fixed by standards);
 * which majors and divisions exist is data, loaded from config/ (majors.csv,
 * divisions.csv) so an operator can update the catalogue without a rebuild.
 */
#ifndef CJX_CODES_H
#define CJX_CODES_H

#include <stddef.h>

#include "error.h"

/* Unified social credit code, GB 32100-2015: 18 characters from
 * "0123456789ABCDEFGHJKLMNPQRTUWXY", positions 3–8 a division code whose first
 * two digits name a province, and the check character C18.
 * Returns CJX_OK, CJX_ECODE (length, characters), CJX_EDIVISION (no such
 * province) or CJX_ECHECKCHAR. */
cjx_err cjx_code_uscc(const char *s);

/* Citizen ID number, GB 11643-1999: 6-digit division (province checked only:
 * old codes stay valid in IDs), 8-digit birth date that exists and is not in
 * the future (in China's time zone), 3-digit sequence, ISO 7064 MOD 11-2
 * check character. Only an upper-case X is accepted (a lower-case x is
 * CJX_ECODE): IDs are keyed into pseudonyms, so they must arrive in one
 * canonical form. Returns CJX_OK, CJX_ECODE, CJX_EDIVISION, CJX_EDATE or
 * CJX_ECHECKCHAR. */
cjx_err cjx_code_citizen_id(const char *s);

/* Industry code, GB/T 4754-2017: a section letter A–T, or a 2-digit division,
 * 3-digit group or 4-digit class. Returns CJX_OK or CJX_ECODE. */
cjx_err cjx_code_industry(const char *s);

/* Graduate destination code (10, 11, 12, 27, 46, 50, 51, 70–72, 75, 76,
 * 80–82, 85). Returns CJX_OK or CJX_ECODE. */
cjx_err cjx_code_destination(const char *s);

/* Strict "YYYY-MM-DD" of a day that exists, years 1900–2199. On success
 * writes days since 1970-01-01 to *days (may be NULL). Returns CJX_OK or
 * CJX_EDATE. */
cjx_err cjx_date_parse(const char *s, int *days);

/* A set of codes with their names, e.g. the majors catalogue. */
typedef struct cjx_catalog cjx_catalog;

/* Loads a UTF-8 CSV table: one "code,name" per line (the name is the rest
 * of the line and may hold commas); blanks around both and a CR are
 * trimmed, a byte order mark is ignored, blank lines and lines starting with
 * '#' are skipped. Codes are 1-16 ASCII letters or digits, compared exactly.
 * On success *out is a new catalogue the caller owns (cjx_catalog_destroy).
 * Returns CJX_OK, CJX_EIO, CJX_ENOMEM or CJX_ECONFIG for a malformed line or
 * a duplicate code; f->text then reads "path:line: reason". */
cjx_err cjx_catalog_load(const char *path, cjx_catalog **out, cjx_fault *f);

/* Returns the name for code, or NULL when code is not in the catalogue.
 * Valid as long as the catalogue is. */
const char *cjx_catalog_name(const cjx_catalog *c, const char *code);

size_t cjx_catalog_count(const cjx_catalog *c);

void cjx_catalog_destroy(cjx_catalog **self_p);

#endif
