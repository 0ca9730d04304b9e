/* synth.h - a generator of realistic synthetic businesses (the demo data and the benchmarks) */
#ifndef FU_SYNTH_H
#define FU_SYNTH_H

#include <stdint.h>
#include <stdio.h>

#include "fu.h"

struct synth_opts {
	int64_t contacts;   /* how many contacts to make (>= 1) */
	int64_t end;        /* the business's "today", UTC seconds; no event after it but booked appointments */
	int days;           /* history length in days before end (e.g. 730) */
	uint64_t seed;      /* same seed + same options = byte-identical output */
	int owners;         /* 0: the four demo sales people; N > 0: N owners "o0001".. (benchmarks) */
};

struct synth_stats {
	int64_t contacts;
	int64_t events;
};

/*
 * Writes a contacts CSV (header: key,name,email,phone,company,owner,tz,segment) to
 * `contacts` and an events CSV (header: id,type,contact,time,amount,ref,due,channel,outcome,note)
 * to `events`, in the formats documented in README.md. Output is deterministic for the
 * options. Returns FU_OK and fills *stats (if non-NULL); FU_EINPUT for bad options,
 * FU_EIO if a write fails.
 */
int synth_write(struct fu_ctx *ctx, const struct synth_opts *o, FILE *contacts, FILE *events,
		struct synth_stats *stats);

#endif
