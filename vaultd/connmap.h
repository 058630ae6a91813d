/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/*
 * connmap.h: vaultd's map of connectors: the hosts each connector's
 * credential may be injected for, and how.  It comes from the master.
 */

#ifndef AILERON_CONNMAP_H
#define AILERON_CONNMAP_H

#include <stddef.h>
#include <stdint.h>

#define CONNMAP_NAME_LEN	64	/* a name's field in CONF_CONNECTOR */
/* The corporate proxy's credential: a connector of the map, Basic only. */
#define CONNMAP_CORP		"upstream-proxy"

struct chan;
struct msg;
struct spec;

struct connmap_entry {
	char		  name[CONNMAP_NAME_LEN];
	int32_t		  inject;		/* enum inject_kind */
	char		  inject_name[CONNMAP_NAME_LEN];
	char		**hosts;		/* lower case */
	size_t		  nhosts;
};

struct connmap {
	struct connmap_entry	*entries;
	size_t			 n;
};

int				 connmap_send(struct chan *, struct spec **,
				    size_t, const char *);
int				 connmap_add(struct connmap *, struct msg *);
void				 connmap_free(struct connmap *);
const struct connmap_entry	*connmap_find(const struct connmap *,
				    const char *);
int				 connmap_host_ok(const struct connmap_entry *,
				    const char *);

#endif
