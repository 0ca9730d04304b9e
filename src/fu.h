/* fu.h - result codes and the error context every fallible core function reports through */
#ifndef FU_H
#define FU_H

#include <stddef.h>
#include <stdint.h>

/*
 * Result codes. FU_OK is zero; everything else is a failure whose human message
 * sits on the struct fu_ctx passed to the failing function.
 * The CLI maps codes to exit statuses with fu_exit_status(): the user's mistakes
 * (bad input, unknown names, usage), contention and permissions exit 1, internal faults 2.
 */
enum fu_rc {
	FU_OK = 0,
	FU_EINPUT,    /* malformed input from the user: a file, a flag, a value */
	FU_ENOTFOUND, /* a named thing (contact, file, zone) does not exist */
	FU_EUSAGE,    /* wrong flags or argument count */
	FU_ENOMEM,    /* allocation failed */
	FU_EIO,       /* reading or writing a file failed */
	FU_EDB,       /* the database reported an error */
	FU_EINTERNAL, /* a bug or an impossible state */
	FU_EBUSY,     /* another command held the database past the wait: try again */
	FU_EACCESS    /* a file cannot be opened or written: permissions, a read-only file */
};

#define FU_MSG_MAX 1024

/* Error context: the first failure's code and message. fu_ctx_init() clears it. */
struct fu_ctx {
	int rc;
	char msg[FU_MSG_MAX];
};

void fu_ctx_init(struct fu_ctx *ctx);

/*
 * Records rc and a printf-style message on ctx (overwriting any earlier one) and
 * returns rc, so callers can write `return fu_err(ctx, FU_EINPUT, "...", ...);`.
 * Messages are lowercase, without a full stop, place first: "file.csv:12: ...".
 */
int fu_err(struct fu_ctx *ctx, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Prefixes the message already on ctx with "prefix: " (printf-style) and returns
 * ctx->rc. Used to add a place (file, line) to an error raised deeper down.
 */
int fu_err_prefix(struct fu_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Exit status for a result code: 0 for FU_OK, 1 for the user's mistakes, 2 otherwise. */
int fu_exit_status(int rc);

/*
 * Makes room for at least `need` elements of `size` bytes in a malloced array: arrp points
 * at the array pointer (NULL at first), *cap is its room in elements, doubled from `first`.
 * Returns FU_OK, or FU_ENOMEM with "out of memory: what" (array and *cap unchanged).
 */
int fu_grow(struct fu_ctx *ctx, void *arrp, size_t *cap, size_t need, size_t size, size_t first,
	    const char *what);

/* The index of s in names[0..n), or -1: the one lookup behind every name table. */
int fu_name_index(const char *const *names, int n, const char *s);

/* Short name of a result code ("input", "not found", ...), for --json error bodies. */
const char *fu_rc_name(int rc);

#endif
