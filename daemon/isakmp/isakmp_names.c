// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Names of ISAKMP numbers, for logs. Unknown numbers print as "#N" in a
 * small rotating buffer so a log line may hold a few of them.
 */

#include <stdio.h>

#include "isakmp.h"

static const char *unknown(unsigned v)
{
	static char buf[4][12];
	static unsigned i;
	char *b = buf[i++ % 4];

	snprintf(b, sizeof(buf[0]), "#%u", v);
	return b;
}

const char *isakmp_np_name(uint8_t np)
{
	static const char *const names[] = {
		[ISAKMP_NP_NONE] = "NONE", [ISAKMP_NP_SA] = "SA",
		[ISAKMP_NP_P] = "P", [ISAKMP_NP_T] = "T",
		[ISAKMP_NP_KE] = "KE", [ISAKMP_NP_ID] = "ID",
		[ISAKMP_NP_CERT] = "CERT", [ISAKMP_NP_CR] = "CR",
		[ISAKMP_NP_HASH] = "HASH", [ISAKMP_NP_SIG] = "SIG",
		[ISAKMP_NP_NONCE] = "NONCE", [ISAKMP_NP_N] = "N",
		[ISAKMP_NP_D] = "D", [ISAKMP_NP_VID] = "VID",
		[ISAKMP_NP_SAK] = "SAK", [ISAKMP_NP_SAT] = "SAT",
		[ISAKMP_NP_KD] = "KD", [ISAKMP_NP_SEQ] = "SEQ",
		[ISAKMP_NP_POP] = "POP", [ISAKMP_NP_NAT_D] = "NAT-D",
		[ISAKMP_NP_NAT_OA] = "NAT-OA", [ISAKMP_NP_GAP] = "GAP",
	};

	if (np < sizeof(names) / sizeof(names[0]) && names[np])
		return names[np];
	return unknown(np);
}

const char *isakmp_exch_name(uint8_t exch)
{
	switch (exch) {
	case ISAKMP_EXCH_BASE:
		return "base";
	case ISAKMP_EXCH_MAIN:
		return "main mode";
	case ISAKMP_EXCH_AUTH_ONLY:
		return "authentication only";
	case ISAKMP_EXCH_AGGRESSIVE:
		return "aggressive mode";
	case ISAKMP_EXCH_INFO:
		return "informational";
	case ISAKMP_EXCH_QUICK:
		return "GROUPKEY-PULL";
	case ISAKMP_EXCH_NEW_GROUP:
		return "GROUPKEY-PUSH";
	case GDOI_EXCH_PUSH_ACK:
		return "GROUPKEY-PUSH ACK";
	}
	return unknown(exch);
}

const char *isakmp_notify_name(uint16_t type)
{
	static const char *const errors[] = {
		[1] = "INVALID-PAYLOAD-TYPE", [2] = "DOI-NOT-SUPPORTED",
		[3] = "SITUATION-NOT-SUPPORTED", [4] = "INVALID-COOKIE",
		[5] = "INVALID-MAJOR-VERSION", [6] = "INVALID-MINOR-VERSION",
		[7] = "INVALID-EXCHANGE-TYPE", [8] = "INVALID-FLAGS",
		[9] = "INVALID-MESSAGE-ID", [10] = "INVALID-PROTOCOL-ID",
		[11] = "INVALID-SPI", [12] = "INVALID-TRANSFORM-ID",
		[13] = "ATTRIBUTES-NOT-SUPPORTED", [14] = "NO-PROPOSAL-CHOSEN",
		[15] = "BAD-PROPOSAL-SYNTAX", [16] = "PAYLOAD-MALFORMED",
		[17] = "INVALID-KEY-INFORMATION", [18] = "INVALID-ID-INFORMATION",
		[19] = "INVALID-CERT-ENCODING", [20] = "INVALID-CERTIFICATE",
		[21] = "CERT-TYPE-UNSUPPORTED", [22] = "INVALID-CERT-AUTHORITY",
		[23] = "INVALID-HASH-INFORMATION", [24] = "AUTHENTICATION-FAILED",
		[25] = "INVALID-SIGNATURE", [26] = "ADDRESS-NOTIFICATION",
		[27] = "NOTIFY-SA-LIFETIME", [28] = "CERTIFICATE-UNAVAILABLE",
		[29] = "UNSUPPORTED-EXCHANGE-TYPE", [30] = "UNEQUAL-PAYLOAD-LENGTHS",
	};

	if (type < sizeof(errors) / sizeof(errors[0]) && errors[type])
		return errors[type];
	switch (type) {
	case ISAKMP_N_CONNECTED:
		return "CONNECTED";
	case ISAKMP_N_RESPONDER_LIFETIME:
		return "RESPONDER-LIFETIME";
	case ISAKMP_N_REPLAY_STATUS:
		return "REPLAY-STATUS";
	case ISAKMP_N_INITIAL_CONTACT:
		return "INITIAL-CONTACT";
	case ISAKMP_N_R_U_THERE:
		return "R-U-THERE";
	case ISAKMP_N_R_U_THERE_ACK:
		return "R-U-THERE-ACK";
	}
	return unknown(type);
}

const char *isakmp_id_type_name(uint8_t type)
{
	static const char *const names[] = {
		[1] = "ID_IPV4_ADDR", [2] = "ID_FQDN", [3] = "ID_USER_FQDN",
		[4] = "ID_IPV4_ADDR_SUBNET", [5] = "ID_IPV6_ADDR",
		[6] = "ID_IPV6_ADDR_SUBNET", [7] = "ID_IPV4_ADDR_RANGE",
		[8] = "ID_IPV6_ADDR_RANGE", [9] = "ID_DER_ASN1_DN",
		[10] = "ID_DER_ASN1_GN", [11] = "ID_KEY_ID",
	};

	if (type < sizeof(names) / sizeof(names[0]) && names[type])
		return names[type];
	return unknown(type);
}
