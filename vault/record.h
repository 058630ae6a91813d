/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* record.h: the vault's records, private to vault.c and record.c. */

#ifndef AILERON_RECORD_H
#define AILERON_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "crypto.h"
#include "vault.h"

struct store_txn;

/*
 * Key names (the layout is described in record.c).  Every component is
 * validated (ids are hex, user ids have no '/'), so a name can never
 * reach outside its vault's prefix.
 */
#define KEY_KDF		"users/%s/kdf.json"
#define KEY_META	"vaults/%s/meta.json"
#define KEY_MEMBERS	"vaults/%s/members.json"
#define KEY_WRAP	"vaults/%s/key_wrappings/%s.wrap"
#define KEY_CREDS	"vaults/%s/credentials/"
#define KEY_ENC		"vaults/%s/credentials/%s.enc"
#define KEY_CMETA	"vaults/%s/credentials/%s.meta.json"
#define CMETA_SUFFIX	".meta.json"
#define KEY_UVAULTS	"users/%s/vaults/"
#define KEY_UVAULT	"users/%s/vaults/%s"
#define KEY_CONN	"vaults/%s/connectors/%s"
#define KEY_NAME	"vaults/%s/names/%s"
#define KEY_FORMAT	"store.json"
#define KEY_VNAME	"vault_names/%s"	/* shared vault name -> id */

#define VAULT_MEMBERS_MAX	256

/* meta.json of a vault. */
struct vault_meta {
	char		 id[VAULT_ID_LEN + 1];
	int		 personal;
	char		 name[VAULT_NAME_MAX + 1];
	char		 team[VAULT_NAME_MAX + 1];	/* shared; or "" */
	uint64_t	 generation;
	time_t		 created;
};

struct vault_member {
	char		 user[VAULT_USER_MAX + 1];
	enum vault_role	 role;
};

/* members.json of a vault. */
struct vault_members {
	size_t			 n;
	struct vault_member	 m[VAULT_MEMBERS_MAX];
};

/* One vault a user belongs to. */
struct vault_ref {
	char		 id[VAULT_ID_LEN + 1];
	int		 personal;
	enum vault_role	 role;
};

/* vault.c: validation the records share with the operations. */
int	 vault_valid_chars(const char *, size_t, const char *);

/* Users, vaults and members. */
int	 record_kdf_read(struct store_txn *, const char *, struct vault_kdf *);
int	 record_kdf_write(struct store_txn *, const char *,
	    const struct vault_kdf *);
int	 record_meta_read(struct store_txn *, const char *,
	    struct vault_meta *);
int	 record_meta_write(struct store_txn *, const struct vault_meta *);
int	 record_members_read(struct store_txn *, const char *,
	    struct vault_members *);
int	 record_members_write(struct store_txn *, const char *,
	    const struct vault_members *);
struct vault_member *record_members_find(struct vault_members *,
	    const char *);
int	 record_index_vaults(struct store_txn *, const char *,
	    struct vault_ref **, size_t *);
int	 record_index_member(struct store_txn *, const char *, const char *,
	    int);
int	 record_user_vaults(struct store_txn *, const char *,
	    struct vault_ref **, size_t *);
int	 record_resolve(struct store_txn *, const char *, const char *,
	    struct vault_meta *, enum vault_role *);

/* Key wraps. */
int	 record_wrap_open(struct store_txn *, const char *, const char *,
	    const unsigned char *, uint64_t, struct crypto_secret **);
int	 record_wrap_write(struct store_txn *, const char *, const char *,
	    const unsigned char *, uint64_t, const struct crypto_secret *);
int	 record_check_personal(struct store_txn *, const char *,
	    const unsigned char *);
int	 record_key_unwrap(struct store_txn *, const char *,
	    const unsigned char *, const char *, struct vault_key **);

/* Credentials. */
int	 record_cred_meta_parse(const char *, const unsigned char *, size_t,
	    int, struct vault_credential_info *);
int	 record_cred_meta_write(struct store_txn *,
	    const struct vault_credential_info *);
int	 record_cred_list(struct store_txn *, const char *, int,
	    struct vault_credential_info **, size_t *);
int	 record_cred_seal(struct store_txn *, const unsigned char *, uint64_t,
	    const struct vault_credential_info *, const unsigned char *,
	    size_t);
int	 record_cred_open(struct store_txn *, const unsigned char *, uint64_t,
	    const struct vault_credential_info *, struct crypto_secret **);
int	 record_cred_index(struct store_txn *,
	    const struct vault_credential_info *);
int	 record_cred_delete(struct store_txn *,
	    const struct vault_credential_info *);
int	 record_cred_lookup(struct store_txn *, const char *, const char *,
	    const char *, struct vault_credential_info *);
int	 record_cred_byname(struct store_txn *, const char *, const char *,
	    struct vault_credential_info *);
/*
 * Why record_cred_find refused: the two shared vaults that hold the
 * connector, and the line's vault when it named one of neither.
 */
struct record_conflict {
	char		 a[VAULT_NAME_MAX + 1];
	char		 b[VAULT_NAME_MAX + 1];
	char		 line[VAULT_NAME_MAX + 1];
};
int	 record_cred_choose(struct store_txn *, const char *, const char *,
	    const char *, struct vault_credential_info *,
	    struct record_conflict *);
int	 record_cred_find(struct store_txn *, const char *, const char *,
	    struct vault_credential_info *);

/* Transactions. */
int	 record_finish(struct store_txn *, int);

#endif
