/* field.h - the names a rule's `when` and `say` may use: one table row each (src/field.c) */
#ifndef FU_FIELD_H
#define FU_FIELD_H

#include <stdint.h>

/* What a field's value is. */
enum field_type {
	FIELD_NUM,    /* a number */
	FIELD_MONEY,  /* cents: a number of currency units in `when`, "1240.00" in `say` */
	FIELD_DATE,   /* an instant, written as the contact's local day in `say` */
	FIELD_STR,    /* text */
	FIELD_BOOL,   /* true or false */
	FIELD_LIST    /* a list of strings (tags), for `in` */
};

/* Where a field may be used (field_info.where). */
enum { FIELD_WHEN = 1, FIELD_SAY = 2 };

/* A field's value for one contact and one trigger; present = 0 when it is empty. */
struct field_value {
	int present;
	double num;                /* FIELD_NUM, FIELD_BOOL (0 or 1) */
	int64_t cents;             /* FIELD_MONEY */
	int64_t time;              /* FIELD_DATE */
	int utc_day;               /* FIELD_DATE: a calendar date (an invoice's due), shown as its UTC day */
	const char *str;           /* FIELD_STR (owned by the engine, valid during the rule) */
	const char *const *list;   /* FIELD_LIST */
	int nlist;
};

struct lookup;

struct field_info {
	const char *name;
	int type;                  /* enum field_type */
	int where;                 /* FIELD_WHEN | FIELD_SAY */
	int can_be_empty;          /* a `say` should give it a fallback ({{name|...}}) */
	unsigned full_for;         /* triggers (1u << TRIG_...) for which it is never empty */
	/* fills *v for the contact and occurrence in l (walk.h) */
	void (*get)(struct lookup *l, struct field_value *v);
};

/* The row named `name` usable in `where`; NULL when there is none. */
const struct field_info *field_find(const char *name, int where);

/*
 * Fills names with the fields usable in `where`, in table order, NULL-terminated; names has
 * room for n pointers (n > 0). Returns how many were written.
 */
int field_names(int where, const char **names, int n);

/* The kind (enum expr_kind) a `when` reads the field as; -1 for a name `when` cannot use. */
int field_expr_kind(const char *name);

/* The number of rows (an upper bound for field_names). */
int field_count(void);

#endif
