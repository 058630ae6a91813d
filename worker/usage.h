/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* usage.h: token counts read from LLM responses as they pass. */

#ifndef AILERON_WORKER_USAGE_H
#define AILERON_WORKER_USAGE_H

#include <stddef.h>

enum usage_slot {
	USAGE_INPUT,
	USAGE_OUTPUT,
	USAGE_CACHE_WRITE,
	USAGE_CACHE_READ,
	USAGE_REASONING,
	USAGE_MODEL,		/* a string, not a count */
	USAGE_NSLOTS
};

#define USAGE_PTR_MAX		128	/* a JSON pointer */
#define USAGE_EVENT_MAX		48	/* an SSE event name */
#define USAGE_SETS_MAX		8	/* SSE event kinds that carry counts */
#define USAGE_MODEL_MAX		64

/*
 * Where one kind of document carries the counts: a JSON pointer (RFC
 * 6901) per slot, "" for none.  In a stream, the event it applies to
 * ("" for events without a name) and whether its counts are running
 * totals (the last one wins) or parts (they add up).
 */
struct usage_set {
	char	 event[USAGE_EVENT_MAX];
	int	 cumulative;
	char	 ptr[USAGE_NSLOTS][USAGE_PTR_MAX];
};

struct usage_spec {
	struct usage_set	 body;		/* a plain JSON response */
	struct usage_set	 stream[USAGE_SETS_MAX];
	size_t			 nstream;
	int			 input_has_cache;	/* see usage_normalise() */
};

/* What was read: a count per slot that was seen, and the model. */
struct usage {
	long long	 count[USAGE_NSLOTS];
	int		 seen[USAGE_NSLOTS];
	char		 model[USAGE_MODEL_MAX];
	int		 known;		/* at least one count was read */
};

struct usage_scan;

struct usage_scan	*usage_scan_new(const struct usage_spec *, int);
void			 usage_scan_feed(struct usage_scan *, const char *,
			    size_t);
void			 usage_scan_end(struct usage_scan *, struct usage *);
void			 usage_scan_free(struct usage_scan *);
const char		*usage_slot_name(enum usage_slot);
void			 usage_normalise(const struct usage_spec *,
			    struct usage *);

#endif
