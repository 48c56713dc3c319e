/* keys.c — CURVE key pair files (see keys.h). */
#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "config.h"

typedef struct key_file {
    char public_key[CJX_CONF_STRMAX];
    char secret_key[CJX_CONF_STRMAX];
} key_file;

static const cjx_conf_key key_file_keys[] = {
    {"curve", "public", CJX_CONF_STR, 0, 0, "", offsetof(key_file, public_key),
     "the public key, Z85"},
    {"curve", "secret", CJX_CONF_STR, 0, 0, "", offsetof(key_file, secret_key),
     "the secret key, Z85"},
    {NULL, NULL, 0, 0, 0, NULL, 0, NULL},
};

int cjx_key_is_z85(const char *text)
{
    uint8_t bin[32];
    return strlen(text) == CJX_KEY_TEXT - 1 && zmq_z85_decode(bin, text) != NULL;
}

/* Writes text to path, created with mode, never over an existing file. */
static cjx_err write_new(const char *path, const char *text, mode_t mode, cjx_fault *f)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0)
        return cjx_fault_set(f, CJX_EIO, "", "cannot create %s: %s", path, strerror(errno));
    size_t len = strlen(text);
    int bad = write(fd, text, len) != (ssize_t)len || fsync(fd) != 0;
    bad |= close(fd) != 0;
    if (bad) {
        unlink(path);
        return cjx_fault_set(f, CJX_EIO, "", "cannot write %s: %s", path, strerror(errno));
    }
    return CJX_OK;
}

cjx_err cjx_keygen(const char *dir, const char *name, cjx_keypair *out, cjx_fault *f)
{
    if (!name[0] || strchr(name, '/'))
        return cjx_fault_set(f, CJX_EINVAL, "name", "\"%s\" is not a key name", name);
    if (zmq_curve_keypair(out->public_key, out->secret_key) != 0)
        return cjx_fault_set(f, CJX_EIO, "", "cannot make a key pair: %s (is libzmq built "
                             "with CURVE?)", zmq_strerror(errno));
    char key_path[4096], pub_path[4096], text[512];
    snprintf(key_path, sizeof key_path, "%s/%s.key", dir, name);
    snprintf(pub_path, sizeof pub_path, "%s/%s.pub", dir, name);
    snprintf(text, sizeof text,
             "; cjx CURVE key pair \"%s\": keep this file secret (mode 0600)\n"
             "[curve]\npublic = %s\nsecret = %s\n", name, out->public_key, out->secret_key);
    cjx_err rc = write_new(key_path, text, 0600, f);
    if (rc)
        return rc;
    snprintf(text, sizeof text,
             "; cjx CURVE public key \"%s\": give it to the hub's operator\n"
             "[curve]\npublic = %s\n", name, out->public_key);
    rc = write_new(pub_path, text, 0644, f);
    if (rc)
        unlink(key_path);
    return rc;
}

/* Loads a key file into kf. */
static cjx_err load_file(const char *path, const char *field, key_file *kf, cjx_fault *f)
{
    cjx_err rc = cjx_config_load(path, key_file_keys, kf, f);
    if (rc == CJX_OK && !cjx_key_is_z85(kf->public_key))
        rc = cjx_fault_set(f, CJX_ECONFIG, field, "%s: no valid public key in it", path);
    if (rc)
        snprintf(f->field, sizeof f->field, "%s", field); /* the setting naming the file */
    return rc;
}

cjx_err cjx_key_load_secret(const char *path, const char *field, cjx_keypair *out, cjx_fault *f)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return cjx_fault_set(f, CJX_EIO, field, "%s: %s", path, strerror(errno));
    if (st.st_mode & 077)
        return cjx_fault_set(f, CJX_ECONFIG, field,
                             "%s can be read by others (mode %03o): chmod 600 it", path,
                             (unsigned)(st.st_mode & 0777));
    key_file kf;
    cjx_err rc = load_file(path, field, &kf, f);
    if (rc)
        return rc;
    if (!cjx_key_is_z85(kf.secret_key))
        return cjx_fault_set(f, CJX_ECONFIG, field, "%s: no valid secret key in it", path);
    memcpy(out->public_key, kf.public_key, CJX_KEY_TEXT); /* both checked: 40 characters */
    memcpy(out->secret_key, kf.secret_key, CJX_KEY_TEXT);
    return CJX_OK;
}

cjx_err cjx_key_load_public(const char *text_or_path, const char *field,
                            char out[CJX_KEY_TEXT], cjx_fault *f)
{
    if (cjx_key_is_z85(text_or_path)) {
        memcpy(out, text_or_path, CJX_KEY_TEXT);
        return CJX_OK;
    }
    key_file kf;
    cjx_err rc = load_file(text_or_path, field, &kf, f);
    if (rc == CJX_OK)
        memcpy(out, kf.public_key, CJX_KEY_TEXT);
    return rc;
}

cjx_err cjx_curve_client(void *sock, const char *secret_key_file, const char *server_key,
                         cjx_fault *f)
{
    if (!secret_key_file[0])
        return CJX_OK;
    if (!server_key[0])
        return cjx_fault_set(f, CJX_ECONFIG, "hub_public_key",
                             "secret_key_file is set but not hub_public_key, the hub's key");
    cjx_keypair kp;
    char server[CJX_KEY_TEXT];
    cjx_err rc = cjx_key_load_secret(secret_key_file, "secret_key_file", &kp, f);
    if (rc == CJX_OK)
        rc = cjx_key_load_public(server_key, "hub_public_key", server, f);
    if (rc)
        return rc;
    int bad = zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server, CJX_KEY_TEXT - 1) ||
              zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, kp.public_key, CJX_KEY_TEXT - 1) ||
              zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, kp.secret_key, CJX_KEY_TEXT - 1);
    memset(kp.secret_key, 0, sizeof kp.secret_key);
    return bad ? cjx_fault_set(f, CJX_EIO, "secret_key_file", "cannot set up CURVE: %s",
                               zmq_strerror(zmq_errno()))
               : CJX_OK;
}
