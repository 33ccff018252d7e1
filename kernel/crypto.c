// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The AEAD behind an SA, and the per-packet crypto context.
 *
 * Every algorithm is driven as an AEAD: rfc4106(gcm(aes)) directly, and
 * enc + auth combinations through the kernel's authenc template, as esp4
 * does. The associated data is the ESP header and the IV, which the ICV
 * covers (RFC 4303 2.8); rfc4106 strips the IV from it itself.
 */

#include <crypto/aead.h>
#include <crypto/authenc.h>
#include <linux/module.h>
#include <linux/netfilter.h>
#include <linux/rtnetlink.h>
#include <linux/scatterlist.h>
#include <net/netns/netfilter.h>

#include "gvpn.h"

/*
 * Testing only: pcrypt completes every request later, on another CPU, the
 * way to exercise the asynchronous paths without crypto hardware.
 */
static bool crypto_async;
module_param(crypto_async, bool, 0444);
MODULE_PARM_DESC(crypto_async,
		 "Testing only: run every SA through pcrypt, an asynchronous engine");

struct gvpn_alg {
	const char *name;
	u8 keylens[3];		/* accepted key lengths in bytes, 0 = none */
	u16 icv_bits[3];	/* accepted ICV / truncation lengths */
};

/* rfc4106 keys carry the 4-byte salt after the AES key. */
static const struct gvpn_alg gvpn_aeads[] = {
	{ "rfc4106(gcm(aes))", { 20, 28, 36 }, { 64, 96, 128 } },
};

static const struct gvpn_alg gvpn_encs[] = {
	{ "cbc(aes)", { 16, 24, 32 } },
	{ "cbc(des3_ede)", { 24 } },
};

static const struct gvpn_alg gvpn_auths[] = {
	{ "hmac(sha1)", { 20 }, { 96 } },
	{ "hmac(sha256)", { 32 }, { 128 } },
	{ "hmac(md5)", { 16 }, { 96 } },
};

static const struct gvpn_alg *gvpn_alg_find(const struct gvpn_alg *t, int n,
					    const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(t[i].name, name))
			return &t[i];
	return NULL;
}

static bool gvpn_in(const u8 *set, unsigned int v)
{
	return v && (set[0] == v || set[1] == v || set[2] == v);
}

static bool gvpn_in16(const u16 *set, unsigned int v)
{
	return v && (set[0] == v || set[1] == v || set[2] == v);
}

static struct crypto_aead *gvpn_alloc_aead(const char *name,
					   struct netlink_ext_ack *extack)
{
	char pname[CRYPTO_MAX_ALG_NAME];
	struct crypto_aead *tfm;

	tfm = crypto_alloc_aead(name, 0, 0);
	if (IS_ERR(tfm))
		goto err;
	if (!crypto_async ||
	    !strncmp(crypto_tfm_alg_driver_name(crypto_aead_tfm(tfm)),
		     "pcrypt(", 7))
		return tfm;
	/*
	 * pcrypt's instance takes over the name it wraps, with a higher
	 * priority, so create it once and allocate the name again.
	 */
	crypto_free_aead(tfm);
	if (snprintf(pname, sizeof(pname), "pcrypt(%s)", name) >= sizeof(pname)) {
		NL_SET_ERR_MSG_MOD(extack, "algorithm name too long");
		return ERR_PTR(-ENAMETOOLONG);
	}
	tfm = crypto_alloc_aead(pname, 0, 0);
	if (!IS_ERR(tfm))
		crypto_free_aead(tfm);
	tfm = crypto_alloc_aead(name, 0, 0);
	if (IS_ERR(tfm))
		goto err;
	if (strncmp(crypto_tfm_alg_driver_name(crypto_aead_tfm(tfm)),
		    "pcrypt(", 7)) {
		crypto_free_aead(tfm);
		NL_SET_ERR_MSG_MOD(extack, "crypto_async: pcrypt unavailable");
		return ERR_PTR(-ENOENT);
	}
	return tfm;
err:
	NL_SET_ERR_MSG_MOD(extack, "the kernel cannot provide this algorithm");
	return tfm;
}

static int gvpn_setkey_authenc(struct crypto_aead *tfm,
			       const struct gvpn_sa_cfg *cfg)
{
	struct crypto_authenc_key_param *param;
	unsigned int len;
	struct rtattr *rta;
	u8 *key, *p;
	int err;

	len = RTA_SPACE(sizeof(*param)) + cfg->auth_keylen + cfg->enc_keylen;
	key = kmalloc(len, GFP_KERNEL);
	if (!key)
		return -ENOMEM;
	rta = (void *)key;
	rta->rta_type = CRYPTO_AUTHENC_KEYA_PARAM;
	rta->rta_len = RTA_LENGTH(sizeof(*param));
	param = RTA_DATA(rta);
	param->enckeylen = cpu_to_be32(cfg->enc_keylen);
	p = key + RTA_SPACE(sizeof(*param));
	memcpy(p, cfg->auth_key, cfg->auth_keylen);
	memcpy(p + cfg->auth_keylen, cfg->enc_key, cfg->enc_keylen);
	err = crypto_aead_setkey(tfm, key, len);
	kfree_sensitive(key);
	return err;
}

int gvpn_crypto_init(struct gvpn_sa *sa, const struct gvpn_sa_cfg *cfg,
		     struct netlink_ext_ack *extack)
{
	struct nlattr **tb = cfg->tb;
	const struct gvpn_alg *enc, *auth;
	char name[CRYPTO_MAX_ALG_NAME];
	struct crypto_aead *tfm;
	unsigned int icv_bits;
	int err;

	if (cfg->aead) {
		enc = gvpn_alg_find(gvpn_aeads, ARRAY_SIZE(gvpn_aeads), cfg->aead);
		if (!enc) {
			NL_SET_ERR_MSG_ATTR(extack, tb[GVPN_A_SA_AEAD_NAME],
					    "unsupported AEAD algorithm");
			return -EINVAL;
		}
		if (!gvpn_in(enc->keylens, cfg->aead_keylen)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[GVPN_A_SA_AEAD_KEY],
					    "AEAD key must be 16, 24 or 32 bytes + 4 salt");
			return -EINVAL;
		}
		if (!gvpn_in16(enc->icv_bits, cfg->icv_bits)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[GVPN_A_SA_AEAD_ICV_BITS],
					    "AEAD ICV must be 64, 96 or 128 bits");
			return -EINVAL;
		}
		tfm = gvpn_alloc_aead(enc->name, extack);
		if (IS_ERR(tfm))
			return PTR_ERR(tfm);
		err = crypto_aead_setkey(tfm, cfg->aead_key, cfg->aead_keylen);
		icv_bits = cfg->icv_bits;
		strscpy(sa->alg, enc->name, sizeof(sa->alg));
		sa->key_bits = (cfg->aead_keylen - 4) * 8;
	} else {
		enc = gvpn_alg_find(gvpn_encs, ARRAY_SIZE(gvpn_encs), cfg->enc);
		if (!enc) {
			NL_SET_ERR_MSG_ATTR(extack, tb[GVPN_A_SA_ENC_NAME],
					    "unsupported encryption algorithm");
			return -EINVAL;
		}
		auth = gvpn_alg_find(gvpn_auths, ARRAY_SIZE(gvpn_auths), cfg->auth);
		if (!auth) {
			NL_SET_ERR_MSG_ATTR(extack, tb[GVPN_A_SA_AUTH_NAME],
					    "unsupported authentication algorithm");
			return -EINVAL;
		}
		if (!gvpn_in(enc->keylens, cfg->enc_keylen)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[GVPN_A_SA_ENC_KEY],
					    "wrong encryption key length");
			return -EINVAL;
		}
		if (!gvpn_in(auth->keylens, cfg->auth_keylen)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[GVPN_A_SA_AUTH_KEY],
					    "wrong authentication key length");
			return -EINVAL;
		}
		if (!gvpn_in16(auth->icv_bits, cfg->trunc_bits)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[GVPN_A_SA_AUTH_TRUNC_BITS],
					    "unsupported truncation length");
			return -EINVAL;
		}
		if (snprintf(name, sizeof(name), "authenc(%s,%s)", auth->name,
			     enc->name) >= sizeof(name))
			return -ENAMETOOLONG;
		tfm = gvpn_alloc_aead(name, extack);
		if (IS_ERR(tfm))
			return PTR_ERR(tfm);
		err = gvpn_setkey_authenc(tfm, cfg);
		icv_bits = cfg->trunc_bits;
		strscpy(sa->alg, enc->name, sizeof(sa->alg));
		strscpy(sa->auth, auth->name, sizeof(sa->auth));
		sa->key_bits = cfg->enc_keylen * 8;
	}
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "the algorithm rejected the key");
		goto err_free;
	}
	err = crypto_aead_setauthsize(tfm, icv_bits / 8);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "the algorithm rejected the ICV length");
		goto err_free;
	}
	sa->tfm = tfm;
	sa->icv_bits = icv_bits;
	sa->icvlen = icv_bits / 8;
	sa->ivlen = crypto_aead_ivsize(tfm);
	/* ESP aligns the payload to the cipher block, and to 4 bytes at least. */
	sa->blksize = ALIGN(crypto_aead_blocksize(tfm), 4);
	return 0;

err_free:
	crypto_free_aead(tfm);
	return err;
}

/* The transform zeroes its key schedule when freed. */
void gvpn_crypto_free(struct gvpn_sa *sa)
{
	crypto_free_aead(sa->tfm);
	sa->tfm = NULL;
}

/*
 * One allocation per packet: the context, the AEAD request (with the
 * transform's private space) and the scatterlist.
 */
struct gvpn_crypto_ctx *gvpn_crypto_ctx_alloc(struct gvpn_sa *sa, int nfrags)
{
	unsigned int reqsize = sizeof(struct aead_request) +
			       crypto_aead_reqsize(sa->tfm);
	struct gvpn_crypto_ctx *ctx;
	size_t len;

	len = ALIGN(sizeof(*ctx), crypto_tfm_ctx_alignment()) + reqsize;
	len = ALIGN(len, __alignof__(struct scatterlist));
	len += nfrags * sizeof(struct scatterlist);
	ctx = kmalloc(len, GFP_ATOMIC);
	if (!ctx)
		return NULL;
	ctx->req = (void *)ctx + ALIGN(sizeof(*ctx), crypto_tfm_ctx_alignment());
	ctx->sg = (void *)ctx + ALIGN(ALIGN(sizeof(*ctx),
					    crypto_tfm_ctx_alignment()) + reqsize,
				      __alignof__(struct scatterlist));
	aead_request_set_tfm(ctx->req, sa->tfm);
	sg_init_table(ctx->sg, nfrags);
	ctx->sa = sa;
	ctx->skb = NULL;
	ctx->state.in = NULL;
	ctx->state.out = NULL;
	return ctx;
}

/*
 * Keep what the input path needs to continue the hook chain after an
 * asynchronous completion. Only SAs whose engine can complete later
 * (gvpn_sa_async()) pay for the copy and the device reference; they are
 * taken before the request is submitted, since the completion may run on
 * another CPU before crypto_aead_decrypt() even returns.
 */
void gvpn_crypto_ctx_state(struct gvpn_crypto_ctx *ctx,
			   const struct nf_hook_state *state)
{
	ctx->state = *state;
	dev_hold(ctx->state.in);
}

void gvpn_crypto_ctx_free(struct gvpn_crypto_ctx *ctx)
{
	dev_put(ctx->state.in);
	percpu_ref_put(&ctx->sa->refs);
	kfree(ctx);
}

/*
 * Continue a packet the input hook took out of PRE_ROUTING: run the hooks
 * after ours, then the okfn, as if we had returned NF_ACCEPT.
 */
void gvpn_nf_resume(const struct nf_hook_state *state,
		    unsigned int (*hookfn)(void *, struct sk_buff *,
					   const struct nf_hook_state *),
		    struct sk_buff *skb)
{
	struct nf_hook_state st = *state;
	const struct nf_hook_entries *e;
	int i;

	st.sk = skb->sk;
	local_bh_disable();
	rcu_read_lock();
	e = rcu_dereference(st.net->nf.hooks_ipv4[st.hook]);
	i = gvpn_nf_index(e, hookfn);
	if (i < 0) {
		/* Our hooks went away meanwhile: the namespace is going. */
		kfree_skb_reason(skb, SKB_DROP_REASON_NETFILTER_DROP);
	} else if (nf_hook_slow(skb, &st, e, i + 1) == 1) {
		st.okfn(st.net, st.sk, skb);
	}
	rcu_read_unlock();
	local_bh_enable();
}

/* Where @hookfn sits in @e, or -1. Chains hold a handful of entries. */
int gvpn_nf_index(const struct nf_hook_entries *e,
		  unsigned int (*hookfn)(void *, struct sk_buff *,
					 const struct nf_hook_state *))
{
	unsigned int i;

	for (i = 0; e && i < e->num_hook_entries; i++)
		if (e->hooks[i].hook == hookfn)
			return i;
	return -1;
}
