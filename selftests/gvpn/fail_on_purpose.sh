#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fails on purpose: proves that a failing kselftest fails "make check".
source "$(dirname "$0")/lib.sh"
check "this check fails on purpose" false
exit $EXIT_STATUS
