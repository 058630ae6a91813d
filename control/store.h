/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* store.h: control's transactional Berkeley DB environment. */

#ifndef AILERON_CONTROL_STORE_H
#define AILERON_CONTROL_STORE_H

#include <db.h>

#define CSTORE_DB_MAX		16	/* databases in the environment */
#define CSTORE_NAME_MAX		64	/* a database's file name */

int	 control_store_open(const char *);
DB_ENV	*control_store_env(void);
DB	*control_store_db(const char *);
int	 control_store_checkpoint(void);
void	 control_store_trim(void);
void	 control_store_close(void);

#endif
