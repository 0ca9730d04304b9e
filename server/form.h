/* form.h - a page's form post read: application/x-www-form-urlencoded or multipart/form-data */
#ifndef FU_FORM_H
#define FU_FORM_H

#include <stddef.h>

#include "fu.h"

#define FORM_FIELDS_MAX 256

/* One field: name and value NUL-terminated (a file's bytes may hold NULs: len counts them). */
struct form_field {
	char *name;
	char *value;
	size_t len;
	char *filename; /* a file input's file name ("" when none was chosen), else NULL */
};

/* The fields in the order sent. Everything is malloced here; form_release frees it. */
struct form {
	struct form_field *v;
	size_t n;
};

void form_init(struct form *f);
void form_release(struct form *f);

/*
 * Reads body (n bytes) sent with content type ct: urlencoded ('+' and %XX decoded) or
 * multipart/form-data (its boundary from ct). FU_EINPUT for another type, a malformed
 * multipart body or more than FORM_FIELDS_MAX fields.
 */
int form_parse(struct fu_ctx *ctx, const char *ct, const char *body, size_t n, struct form *f);

/* The first field called name (its value; form_field: the field, with its length), or NULL. */
const char *form_get(const struct form *f, const char *name);
const struct form_field *form_field(const struct form *f, const char *name);

#endif
