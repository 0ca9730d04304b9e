/* demo.h - `followup demo`: a believable small business in an empty database */
#ifndef FU_DEMO_H
#define FU_DEMO_H

#include <stdint.h>

#include "fu.h"
#include "model.h"
#include "store.h"
#include "synth.h"

#define WORKED_DAYS 21 /* the last days whose agendas the demo's people worked */

/* What demo_create made. Plain values. */
struct demo_result {
	struct synth_stats synth;       /* contacts and events generated */
	int64_t worked;                 /* touches recorded while working the agendas */
	int days_worked;
	char keys[3][FU_KEY_MAX + 1];   /* the most recently active lead, repeat buyer and
					 * dormant contact ("" when none), for an overview */
};

/*
 * Generates the business of so (synth.h; so->end is the clock's time) into s, which must
 * hold no events (FU_EINPUT "NAME already holds N events; ..." with name, else), through
 * the normal import, then has its people work each of the last WORKED_DAYS days' agendas
 * (touches recorded as `followup done` records them; one in five left undone, automated
 * messages left alone). Fails as synth_write(), import_stream() and agenda_build() do.
 */
int demo_create(struct fu_ctx *ctx, struct store *s, const char *name,
		const struct synth_opts *so, struct demo_result *r);

#endif
