/* keys.h — CURVE key pairs in files.
 *
 * `cjx keygen NAME` writes NAME.key (both keys, mode 0600) and NAME.pub
 * (the public key, to give to the hub's operator). Both are INI files:
 *
 *   [curve]
 *   public = <40 characters of Z85>
 *   secret = <40 characters of Z85>      (NAME.key only)
 *
 * The hub's public key is given to agents as hub_public_key, the Z85 text
 * or a path to a .pub file.
 */
#ifndef CJX_KEYS_H
#define CJX_KEYS_H

#include "error.h"

#define CJX_KEY_TEXT 41                /* 40 Z85 characters and NUL */

typedef struct cjx_keypair {
    char public_key[CJX_KEY_TEXT];
    char secret_key[CJX_KEY_TEXT];
} cjx_keypair;

/* Makes a new key pair and writes dir/name.key (mode 0600) and
 * dir/name.pub; refuses to overwrite either. Returns CJX_OK, CJX_EIO or
 * CJX_EINVAL (a name with '/' or empty), with f set. */
cjx_err cjx_keygen(const char *dir, const char *name, cjx_keypair *out, cjx_fault *f);

/* Loads a .key file; refuses one that others may read (mode & 077).
 * Returns CJX_OK, CJX_EIO or CJX_ECONFIG with f->field = field. */
cjx_err cjx_key_load_secret(const char *path, const char *field, cjx_keypair *out, cjx_fault *f);

/* A public key given as 40 Z85 characters, or as the path of a .pub or
 * .key file. Returns CJX_OK, CJX_EIO or CJX_ECONFIG with f->field = field. */
cjx_err cjx_key_load_public(const char *text_or_path, const char *field,
                            char out[CJX_KEY_TEXT], cjx_fault *f);

/* Makes sock (before it connects) a CURVE client with the key pair of
 * secret_key_file and the server's public key (Z85 or a .pub file); does
 * nothing when secret_key_file is empty. Returns CJX_OK, CJX_EIO or
 * CJX_ECONFIG naming the setting. */
cjx_err cjx_curve_client(void *sock, const char *secret_key_file, const char *server_key,
                         cjx_fault *f);

/* True when text is 40 characters of Z85 that decode to 32 bytes. */
int cjx_key_is_z85(const char *text);

#endif
