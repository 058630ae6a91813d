/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* vault.h: the vault model: users, vaults, members, credentials. */

#ifndef AILERON_VAULT_H
#define AILERON_VAULT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "crypto.h"
#include "msgtypes.h"

#define VAULT_FORMAT		1	/* of each JSON record */
#define VAULT_STORE_FORMAT	2	/* of the store: indexes, versions */
#define VAULT_ID_LEN		32	/* vault and credential ids, hex */
#define VAULT_USER_MAX		64	/* user id: a login name */
#define VAULT_NAME_MAX		64	/* credential or vault name */
#define VAULT_CONNECTOR_MAX	64
#define VAULT_PARAM_MAX		64	/* header NAME or query PARAM */
#define VAULT_VALUE_MAX		8192	/* a credential's plaintext */

/*
 * Every operation returns VAULT_OK or one of these; vaultd sends the code
 * to its peer and the CLI prints vault_strerror().  Details (which record,
 * which parameter) go to the log, never a secret.
 */
enum vault_error {
	VAULT_OK = 0,
	VAULT_ERR_SYSTEM,		/* store, memory or RNG failure */
	VAULT_ERR_INVALID,		/* a malformed name, kind or value */
	VAULT_ERR_WRONG_KEY,		/* the wrap does not open */
	VAULT_ERR_NO_USER,
	VAULT_ERR_USER_EXISTS,
	VAULT_ERR_NO_VAULT,
	VAULT_ERR_NO_CREDENTIAL,
	VAULT_ERR_EXISTS,		/* connector or name already present */
	VAULT_ERR_CORRUPT,		/* a record fails to parse or open */
	VAULT_ERR_KDF,			/* KDF parameters out of bounds */
	VAULT_ERR_DENIED,		/* the role does not allow it */
	VAULT_ERR_MEMBER_EXISTS,
	VAULT_ERR_NOT_MEMBER,
	VAULT_ERR_NEED_KEY,		/* a remaining member's key missing */
	VAULT_ERR_STALE_KEY,		/* a cached vault key is outdated */
	VAULT_ERR_AMBIGUOUS,		/* several shared vaults hold it */
	VAULT_ERR_NAME_TAKEN,		/* a shared vault has that name */
	VAULT_ERR_MAX
};

enum vault_role {
	VAULT_ROLE_READER,		/* opens credentials */
	VAULT_ROLE_CONTRIBUTOR,		/* and adds, rotates, removes them */
	VAULT_ROLE_OWNER		/* and grants and revokes */
};

/* scrypt parameters of one user: public, stored in users/{id}/kdf.json. */
struct vault_kdf {
	unsigned char	 salt[CRYPTO_SALT_LEN];
	uint64_t	 N;
	uint32_t	 r;
	uint32_t	 p;
};

/* A credential's metadata.  Never holds a secret. */
struct vault_credential_info {
	char		 id[VAULT_ID_LEN + 1];
	char		 vault_id[VAULT_ID_LEN + 1];
	char		 name[VAULT_NAME_MAX + 1];
	char		 connector[VAULT_CONNECTOR_MAX + 1];
	enum inject_kind	 kind;
	char		 param[VAULT_PARAM_MAX + 1];	/* header or query */
	time_t		 created;
	time_t		 rotated;
	uint64_t	 version;	/* seals so far; 0: sealed by 0.1 */
};

/* An unwrapped vault key, as vaultd caches it per session. */
struct vault_key {
	char			 vault_id[VAULT_ID_LEN + 1];
	uint64_t		 generation;
	struct crypto_secret	*key;		/* secure heap */
};

/*
 * A cache of unwrapped vault keys that vault_credential_inject() asks
 * before it unwraps (vaultd keeps one per session).  find returns a key
 * the cache still owns; keep hands a new key over to the cache; drop
 * forgets (and zeroes) a key that is no longer current, and what the
 * cache knows of that vault's credentials.  cred_find and cred_keep do
 * the same for which credential serves a connector (metadata only).
 */
struct vault_keycache {
	struct vault_key	*(*find)(void *, const char *vault_id);
	void			 (*keep)(void *, struct vault_key *);
	void			 (*drop)(void *, const char *vault_id);
	const struct vault_credential_info *(*cred_find)(void *,
				    const char *connector);
	void			 (*cred_keep)(void *,
				    const struct vault_credential_info *);
	void			*arg;
};

/* A member of a vault and their role.  Never holds a key. */
struct vault_member_info {
	char			 user[VAULT_USER_MAX + 1];
	enum vault_role		 role;
};

/* A remaining member's user key, for a revoke's re-wrap. */
struct vault_member_key {
	const char		*user;
	const unsigned char	*ukey;		/* CRYPTO_KEY_LEN bytes */
};

/* One of a user's vaults, as "aileron vault list" shows it. */
struct vault_info {
	char			 id[VAULT_ID_LEN + 1];
	char			 name[VAULT_NAME_MAX + 1];
	char			 team[VAULT_NAME_MAX + 1];
	int			 personal;
	enum vault_role		 role;
	size_t			 members;
	uint64_t		 generation;
	time_t			 created;
};

/*
 * Which shared vault serves a connector that several of a user's shared
 * vaults hold: vault_for returns that vault's name (aileron.conf's
 * "connector NAME vault VAULT"), or NULL when no line decides.
 */
struct vault_choices {
	const char		*(*vault_for)(void *, const char *connector);
	void			*arg;
};

struct vault;
struct store;

struct vault	*vault_open(const char *dir);
void		 vault_close(struct vault *);
struct store	*vault_store(struct vault *);
const char	*vault_strerror(int);
const char	*vault_kind_name(enum inject_kind);
int		 vault_kind_parse(const char *, enum inject_kind *);
const char	*vault_role_name(enum vault_role);
int		 vault_role_parse(const char *, enum vault_role *);
int		 vault_valid_user(const char *);
int		 vault_valid_id(const char *);
int		 vault_valid_name(const char *);
int		 vault_valid_connector(const char *);
int		 vault_valid_param(const char *);

/* Users.  ukey is always the CRYPTO_KEY_LEN-byte scrypt output. */
int	 vault_kdf_new(struct vault_kdf *);
int	 vault_user_kdf(struct vault *, const char *user, struct vault_kdf *);
int	 vault_user_init(struct vault *, const char *user,
	    const struct vault_kdf *, const unsigned char *ukey);
int	 vault_user_check(struct vault *, const char *user,
	    const unsigned char *ukey);
int	 vault_user_passwd(struct vault *, const char *user,
	    const unsigned char *old_ukey, const struct vault_kdf *new_kdf,
	    const unsigned char *new_ukey);
int	 vault_user_personal(struct vault *, const char *user,
	    char vault_id[VAULT_ID_LEN + 1]);

/* Credentials.  vault_id NULL means the user's personal vault. */
int	 vault_credential_add(struct vault *, const char *user,
	    const unsigned char *ukey, const char *vault_id, const char *name,
	    const char *connector, enum inject_kind, const char *param,
	    const unsigned char *value, size_t len, int replace);
int	 vault_credential_rotate(struct vault *, const char *user,
	    const unsigned char *ukey, const char *vault_id, const char *name,
	    const unsigned char *value, size_t len);
int	 vault_credential_remove(struct vault *, const char *user,
	    const unsigned char *ukey, const char *vault_id, const char *name);
int	 vault_credential_list(struct vault *, const char *user,
	    const char *vault_id, struct vault_credential_info **, size_t *);

/* Injection: find, unwrap (cacheable), decrypt; or all three at once. */
int	 vault_credential_find(struct vault *, const char *user,
	    const char *connector, struct vault_credential_info *);
int	 vault_key_open(struct vault *, const char *user,
	    const unsigned char *ukey, const char *vault_id,
	    struct vault_key **);
void	 vault_key_free(struct vault_key *);
int	 vault_credential_decrypt(struct vault *, const struct vault_key *,
	    const struct vault_credential_info *, struct crypto_secret **);
int	 vault_credential_open(struct vault *, const char *user,
	    const unsigned char *ukey, const char *connector,
	    struct vault_credential_info *, struct crypto_secret **);
int	 vault_credential_inject(struct vault *, const char *user,
	    const unsigned char *ukey, const char *connector,
	    const struct vault_keycache *, struct vault_credential_info *,
	    struct crypto_secret **);

/* Shared vaults. */
int	 vault_shared_create(struct vault *, const char *user,
	    const unsigned char *ukey, const char *name,
	    char vault_id[VAULT_ID_LEN + 1]);
int	 vault_grant(struct vault *, const char *vault_id, const char *granter,
	    const unsigned char *granter_ukey, const char *member,
	    const unsigned char *member_ukey, enum vault_role);
int	 vault_revoke(struct vault *, const char *vault_id, const char *revoker,
	    const char *member, const struct vault_member_key *, size_t);
int	 vault_member_list(struct vault *, const char *user,
	    const char *vault_id, struct vault_member_info **, size_t *);

/* Teams: names, teams, the vaults of a user, who serves a connector. */
int	 vault_shared_create_team(struct vault *, const char *user,
	    const unsigned char *ukey, const char *name, const char *team,
	    char vault_id[VAULT_ID_LEN + 1]);
int	 vault_list(struct vault *, const char *user, struct vault_info **,
	    size_t *);
void	 vault_set_choices(struct vault *, const struct vault_choices *);
void	 vault_conflict(struct vault *, const char **, const char **,
	    const char **);

/* Tests only; see vault.c. */
extern void	(*vault_revoke_test_hook)(void);

#endif
