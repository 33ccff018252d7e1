#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   build/deb/gvpn-dkms_V_all.deb, gvpnd_V_amd64.deb   ("make deb", host)
#   build/deb/dkms: DKMS's build of gvpn-dkms for this kernel ("make
#                   deb-modules", host: DKMS takes minutes under TCG)
#        | dpkg -i in the guest's overlay root
#        v
#   gvpn-dkms: /usr/src/gvpn-V; the guest's DKMS installs the host's build
#              (dkms install: updates/dkms; depmod's files made on the
#              host, build/deb/dkms/KVER: minutes under TCG for 6.12)
#   gvpnd:     /usr/sbin/gvpnd and gvpn, the unit, /etc/gvpn 0750
#
#   gmA 192.168.0.1 ---- core (br0) ---- ks1 192.168.0.10
#   (packaged gvpnd -f)                  (packaged gvpnd, started as its
#                                         unit starts it: ExecStart,
#                                         /etc/gvpn/gvpnd.conf, /run/gvpn)
#
# The Debian packages install on a gateway, DKMS installs gvpn.ko for the
# running kernel, insmod of it alone fails on its missing dependency as
# the documentation says while modprobe pulls nf_defrag_ipv4, a member
# registers with the packaged key server, and purging both packages
# unloads the module and leaves none of their files behind.
#
# What the test switches off in the guest, and why (TCG: every fork and
# every file read over 9p is slow; none of these is what the test proves):
# - DKMS's autoinstall from gvpn-dkms's postinst (/etc/dkms/no-autoinstall,
#   which also ends common.postinst before any kernel hook): DKMS compiling
#   gvpn.ko takes minutes here, so the host builds it with the same DKMS
#   ("make deb-modules") and the guest's "dkms install" installs that build
# - depmod (dkms install/remove --no-depmod): depmod over a whole module
#   tree takes minutes (6.12's modules are xz-compressed); the host's
#   "depmod -b" made the same files for the tree with and without DKMS's
#   gvpn.ko, copied in where DKMS's depmod would write them
# - man-db's index rebuild on its dpkg trigger (/var/lib/man-db/auto-update
#   removed): half a minute for gvpnd's man pages
# Nothing else needs switching off: Debian 12's DKMS (3.0.10) rebuilds no
# initramfs on install (REMAKE_INITRD is deprecated there), and gvpnd's
# postinst reloads and starts systemd units only where systemd runs
# (/run/systemd/system: not in the guest, the test starts gvpnd itself).
# The step times printed ("# dpkg -i: ...") follow the host's load: on an
# idle host (6.1) 16 s dpkg -i, 9 s dkms install, 8 s remove and purge,
# the whole VM under a minute; with 6.1 and 6.12 run at once on the two
# shared cores, 18-44 s, 24-26 s and 19-20 s, the VM 126 s and 166 s; in
# one full "make check" 71 s, 76 s and 75 s (settings: timeout=600).

GVPN=/usr/sbin/gvpn
GVPND=/usr/sbin/gvpnd
source "$(dirname "$0")/lib.sh"
require_cmd dpkg dkms tcpdump

kver=$(uname -r)
debs=$GVPN_TOP/build/deb
dkms_deb=$(ls "$debs"/gvpn-dkms_*_all.deb 2>/dev/null | tail -n 1)
gvpnd_deb=$(ls "$debs"/gvpnd_*_amd64.deb 2>/dev/null | tail -n 1)
[ -n "$dkms_deb" ] && [ -n "$gvpnd_deb" ] || skip "no packages in $debs (make deb)"
[ -e "/lib/modules/$kver/build/include" ] || skip "no headers for $kver"
ver=$(dpkg-deb -f "$dkms_deb" Version)
built=$debs/dkms/tree/gvpn/$ver/$kver
depmod_with=$debs/dkms/$kver/with/lib/modules/$kver
depmod_without=$debs/dkms/$kver/without/lib/modules/$kver
[ -d "$built" ] && [ -s "$depmod_without/modules.dep" ] ||
	skip "no DKMS build for $kver in $debs/dkms (make deb-modules)"

# depmod_as WHICH: the module dependency files the host made for this
# kernel's tree with or without DKMS's gvpn.ko, where depmod writes them
depmod_as() {
	local d=$depmod_with
	[ "$1" = with ] || d=$depmod_without
	cp "$d"/modules.* "/lib/modules/$kver/"
}
unit=/lib/systemd/system/gvpnd.service

# ms since START: how long a step took, as a comment
since() { echo "# $1: $((($(date +%s%3N) - $2) / 1000)).$(printf %03d $((($(date +%s%3N) - $2) % 1000)))s"; }

# Only DKMS's gvpn.ko from here on: scripts/vmtest put the tree's build in
# updates/ with its modules.dep
gvpn_loaded && gvpn_unload
rm -f "/lib/modules/$kver/updates/gvpn.ko"
depmod_as without
modprobe -r nf_defrag_ipv4 2>/dev/null

# The package's postinst would "dkms add", "build" and "install" for this
# kernel (and the newest one): here it only unpacks (DKMS's switch
# /etc/dkms/no-autoinstall), and the guest's DKMS gets the host's build of
# the same sources as if it had made it, then installs it
# (nor does man-db rebuild its index for the new man pages, half a
# minute under TCG: its switch /var/lib/man-db/auto-update)
t=$(date +%s%3N)
rm -f /var/lib/man-db/auto-update
touch /etc/dkms/no-autoinstall
out=$(dpkg -i "$dkms_deb" "$gvpnd_deb" 2>&1)
rc=$?
rm /etc/dkms/no-autoinstall
log_test "dpkg -i gvpn-dkms gvpnd" $rc
[ $rc -eq 0 ] || { sed 's/^/# /' <<<"$out"; exit $EXIT_STATUS; }
since "dpkg -i" "$t"
t=$(date +%s%3N)
mkdir -p "/var/lib/dkms/gvpn/$ver"
ln -s "/usr/src/gvpn-$ver" "/var/lib/dkms/gvpn/$ver/source"
cp -a "$built" "/var/lib/dkms/gvpn/$ver/"
out=$(dkms install --no-depmod "gvpn/$ver" -k "$kver" 2>&1)
log_test "dkms install gvpn/$ver -k $kver" $?
since "dkms install" "$t"
check "DKMS installed the host's build" cmp \
	"$(ls "$built"/x86_64/module/gvpn.ko*)" "$(ls "/lib/modules/$kver/updates/dkms/gvpn.ko"*)"
depmod_as with

dkms_installed() { dkms status -m gvpn -k "$kver" | grep -q ': installed'; }
check "dkms status: installed for $kver" dkms_installed
ko=$(modinfo -n gvpn 2>/dev/null)
check "modinfo finds DKMS's gvpn.ko (updates/dkms)" \
	grep -q "^/lib/modules/$kver/updates/dkms/gvpn\.ko" <<<"$ko"
check "/etc/gvpn is root's, 0750" test "$(stat -c %a:%U "/etc/gvpn")" = 750:root
files=$(dpkg -L gvpn-dkms gvpnd)
check "packages ship no key or PSK file" \
	bash -c "! grep -E '\.(psk|pem|key)$|/etc/gvpn/.' <<<'$files'"
others_write() {
	local f
	while read -r f; do
		[ -n "$f" ] && [ ! -L "$f" ] || continue
		stat -c '%A %n' "$f"
	done <<<"$files" | grep -E '^.{8}w'
}
check_fail "packages ship nothing others may write" others_write

# insmod resolves no dependency: alone it fails on nf_defrag_ipv4's symbol
if [ -d /sys/module/nf_defrag_ipv4 ]; then
	log_test "insmod without nf_defrag_ipv4 (it is in use)" "$ksft_skip"
else
	dmesg -C
	out=$(insmod "$ko" 2>&1)
	rc=$?
	check "insmod gvpn.ko alone fails" test $rc -ne 0
	echo "# $out"
	check "insmod says: Unknown symbol in module" grep -q 'Unknown symbol in module' <<<"$out"
	check "kernel log: Unknown symbol nf_defrag_ipv4_enable (err -2)" \
		bash -c "dmesg | grep -q 'gvpn: Unknown symbol nf_defrag_ipv4_enable (err -2)'"
	check "modprobe nf_defrag_ipv4, then insmod gvpn.ko" \
		bash -c "modprobe nf_defrag_ipv4 && insmod '$ko'"
	check "rmmod gvpn nf_defrag_ipv4" rmmod gvpn nf_defrag_ipv4
fi
check "modprobe gvpn" modprobe gvpn
check "modprobe pulled nf_defrag_ipv4" test -d /sys/module/nf_defrag_ipv4

# gmA and ks1 on one segment
setup_ns gmA core
ip -n "$core" link add br0 type bridge
ip -n "$core" link set br0 up
ip link add wan netns "$gmA" type veth peer name pA netns "$core"
ip -n "$core" link set pA master br0 up
ip -n "$gmA" addr add 192.168.0.1/24 dev wan
ip -n "$gmA" link set wan up
ks_setup ks1 192.168.0.10
busywait 5000 ip netns exec "$gmA" ping -c1 -W1 -q 192.168.0.10 >/dev/null

# ks1 as systemd would start gvpnd.service: its ExecStart, UMask, runtime
# and logs directories, and the default configuration file (its control
# socket then is the default, /run/gvpn/gvpnd.sock)
ks_conf ks1
grep -v '^control = ' "$TMPDIR_TEST/ks1.conf" >/etc/gvpn/gvpnd.conf
chmod 600 /etc/gvpn/gvpnd.conf
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
umask_unit=$(sed -n 's/^UMask=//p' "$unit")
check "unit: ExecStart=/usr/sbin/gvpnd, UMask=0077" \
	test "$exec_start:$umask_unit" = /usr/sbin/gvpnd:0077
check "unit's condition holds: /etc/gvpn/gvpnd.conf" test -e /etc/gvpn/gvpnd.conf
for d in $(sed -n 's/^\(Runtime\|Logs\)Directory=//p' "$unit"); do
	case $d in gvpn) ;; *) log_test "unit directory $d" 1 ;; esac
done
install -d -m 0750 /run/gvpn /var/log/gvpn
(umask "$umask_unit" && exec ip netns exec "$ks1" $exec_start) </dev/null \
	>"$TMPDIR_TEST/ks1.log" 2>&1 &
ks1_pid=$!
defer "kill $ks1_pid 2>/dev/null"
check "packaged gvpnd starts as the unit would" \
	busywait 20000 test -S /run/gvpn/gvpnd.sock
check "gvpn daemon show answers on the default socket" \
	bash -c "$GVPN daemon show | grep -q ."

gm_conf gmA A
check "gmA's configuration passes the packaged gvpnd --check" gvpnd_check gmA
t=$(date +%s%3N)
gvpnd_start "$gmA" gmA || log_test "gmA starts" 1
check "gmA: GM_REGS_COMPL with ks1" gvpnd_log_wait gmA \
	"GDOI-5-GM_REGS_COMPL: Registration to KS 192\.168\.0\.10 complete"
gm_registered gmA || gvpnd_log_dump gmA
since "registration" "$t"
check "gvpn ks members lists gmA" \
	bash -c "$GVPN ks members | grep -qE '192\.168\.0\.1\b'"
check "DKMS's gvpn.ko holds gmA's SA" test "$(sa_count "$gmA")" -ge 1

gvpnd_stop gmA
kill "$ks1_pid"
wait "$ks1_pid"
check "gvpnd stopped by TERM (systemctl stop), exit 0" test $? -eq 0
check "gvpnd removed its control socket" test ! -e /run/gvpn/gvpnd.sock
rm -rf /run/gvpn	# systemd removes the RuntimeDirectory

# removal: the module unloaded, nothing of either package left. The prerm
# of gvpn-dkms runs "dkms remove --all" when DKMS still lists the module:
# done here first, without its depmod, whose result the host made
files=$(dpkg -L gvpn-dkms gvpnd | grep -v '^/\.$')
t=$(date +%s%3N)
check "dkms remove gvpn/$ver --all" dkms remove --no-depmod "gvpn/$ver" --all
depmod_as without
out=$(dpkg --purge gvpnd gvpn-dkms 2>&1)
rc=$?
log_test "dpkg --purge gvpnd gvpn-dkms" $rc
[ $rc -eq 0 ] || sed 's/^/# /' <<<"$out"
since "dkms remove, dpkg --purge" "$t"
grep -qi warning <<<"$out" && sed 's/^/# /' <<<"$out"
check_fail "purge printed no warning" grep -qi warning <<<"$out"
check_fail "gvpn.ko unloaded" gvpn_loaded
# directories other packages share stay (one dpkg -S for all of them:
# each call reads dpkg's whole database, seconds under TCG)
left=$(while read -r f; do
	[ -n "$f" ] && [ -e "$f" ] && echo "$f"
done <<<"$files")
shared=$(grep . <<<"$left" | xargs -r -d '\n' dpkg -S 2>/dev/null |
	sed 's/.*: //')
left=$(while read -r f; do
	[ -n "$f" ] || continue
	[ -d "$f" ] && grep -qxF -- "$f" <<<"$shared" && continue
	echo "$f"
done <<<"$left")
[ -z "$left" ] || echo "# left: $left"
check "no file of the packages left" test -z "$left"
check "no DKMS tree, source or module left" bash -c "! ls -d /var/lib/dkms/gvpn \
	/usr/src/gvpn-$ver /lib/modules/*/updates/dkms/gvpn.ko* 2>/dev/null"
check "/etc/gvpn and /var/log/gvpn purged" test ! -e /etc/gvpn -a ! -e /var/log/gvpn

exit $EXIT_STATUS
