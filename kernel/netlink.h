/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The generic netlink family, shared by netlink*.c and event.c.
 */
#ifndef _GVPN_NETLINK_H
#define _GVPN_NETLINK_H

#include <net/genetlink.h>
#include <net/sock.h>

#include "gvpn.h"

extern struct genl_family gvpn_genl_family;
extern const struct nla_policy gvpn_group_nl_policy[GVPN_A_GROUP_MAX + 1];
extern const struct nla_policy gvpn_policy_nl_policy[GVPN_A_POLICY_MAX + 1];
extern const struct nla_policy gvpn_sa_nl_policy[GVPN_A_SA_MAX + 1];

int gvpn_genl_init(void);
void gvpn_genl_exit(void);

/* Request nests of policies and SAs share parse buffers sized for both. */
#define GVPN_A_OBJ_MAX GVPN_A_SA_MAX
static_assert((int)GVPN_A_POLICY_MAX <= (int)GVPN_A_OBJ_MAX);

/*
 * A required attribute: true, with the missing type and a message saying
 * what it is in the extack, when it is absent. @what must be a literal.
 */
#define GVPN_REQUIRE(extack, nest, tb, type, what) ({			\
	struct netlink_ext_ack *__gvpn_ext = (extack);			\
	bool __missing = NL_REQ_ATTR_CHECK(__gvpn_ext, nest, tb, type);	\
									\
	if (__missing)							\
		NL_SET_ERR_MSG_MOD(__gvpn_ext, "missing " what);	\
	__missing;							\
})

int gvpn_nl_nest(struct genl_info *info, int attr, struct nlattr **tb,
		 int maxtype, const struct nla_policy *policy);
struct gvpn_group *gvpn_nl_group(struct gvpn_net *gn, struct nlattr *nest,
				 struct nlattr **tb, int type,
				 struct netlink_ext_ack *extack);
int gvpn_nl_dump_ret(struct sk_buff *skb, int err);
struct nlattr **gvpn_nl_dump_attrs(struct netlink_callback *cb);
void *gvpn_nl_hdr(struct sk_buff *skb, u32 portid, u32 seq,
		  struct netlink_callback *cb, u8 cmd);

/*
 * One kind of object of a group (its policies, its SAs): the request nest
 * and its policy, the attribute naming the group, how an object is found
 * in its group, filled into messages and removed. The commands that only
 * find an object (get, del), dumps and flushes are written once for both.
 */
struct gvpn_nl_obj {
	int attr, maxtype;
	const struct nla_policy *policy;
	int group;			/* attribute: group id (u16) */
	/* the object of @g that @tb names, or an ERR_PTR (extack set) */
	void *(*find)(struct gvpn_group *g, struct nlattr *nest,
		      struct nlattr **tb, struct netlink_ext_ack *extack);
	struct xarray *(*objects)(struct gvpn_group *g);
	int (*fill)(struct sk_buff *skb, void *obj, u32 portid, u32 seq,
		    struct netlink_callback *cb);
	void (*del)(void *obj);
};

/* Under gn->lock: the group and object that tb names, or an ERR_PTR. */
void *gvpn_nl_obj_find(struct gvpn_net *gn, const struct gvpn_nl_obj *o,
		       struct nlattr *nest, struct nlattr **tb,
		       struct netlink_ext_ack *extack);
int gvpn_nl_obj_get(struct genl_info *info, const struct gvpn_nl_obj *o);
int gvpn_nl_obj_del(struct genl_info *info, const struct gvpn_nl_obj *o);
int gvpn_nl_walk(struct sk_buff *skb, struct netlink_callback *cb,
		 const struct gvpn_nl_obj *o);
int gvpn_nl_flush(struct genl_info *info, const struct gvpn_nl_obj *o);
int gvpn_nl_put_sa_id(struct sk_buff *skb, const struct gvpn_sa *sa);

/* The commands, in netlink_group.c, netlink_policy.c and netlink_sa.c. */
int gvpn_nl_group_new(struct sk_buff *skb, struct genl_info *info);
int gvpn_nl_group_set(struct sk_buff *skb, struct genl_info *info);
int gvpn_nl_group_del(struct sk_buff *skb, struct genl_info *info);
int gvpn_nl_group_get(struct sk_buff *skb, struct genl_info *info);
int gvpn_nl_group_dump(struct sk_buff *skb, struct netlink_callback *cb);
int gvpn_nl_dev_add(struct sk_buff *skb, struct genl_info *info);
int gvpn_nl_dev_del(struct sk_buff *skb, struct genl_info *info);
int gvpn_nl_policy_new(struct sk_buff *skb, struct genl_info *info);
int gvpn_nl_policy_del(struct sk_buff *skb, struct genl_info *info);
int gvpn_nl_policy_get(struct sk_buff *skb, struct genl_info *info);
int gvpn_nl_policy_dump(struct sk_buff *skb, struct netlink_callback *cb);
int gvpn_nl_policy_flush(struct sk_buff *skb, struct genl_info *info);
int gvpn_nl_sa_new(struct sk_buff *skb, struct genl_info *info);
int gvpn_nl_sa_set(struct sk_buff *skb, struct genl_info *info);
int gvpn_nl_sa_del(struct sk_buff *skb, struct genl_info *info);
int gvpn_nl_sa_get(struct sk_buff *skb, struct genl_info *info);
int gvpn_nl_sa_dump(struct sk_buff *skb, struct netlink_callback *cb);
int gvpn_nl_sa_flush(struct sk_buff *skb, struct genl_info *info);
int gvpn_nl_sender_start(struct netlink_callback *cb);
int gvpn_nl_sender_dump(struct sk_buff *skb, struct netlink_callback *cb);

#endif /* _GVPN_NETLINK_H */
