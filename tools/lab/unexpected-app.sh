#!/bin/bash
# unexpected-app.sh — records unexpected-app.pcap: SSH (RFC 4253) spoken on
# TCP 443 of a Pexip Conferencing Node, whose document row for 443 is HTTPS,
# then TLS 1.3 (RFC 8446) on the same port for contrast.
#
#   ept 10.99.21.2 (endpoint) --veth-- conf 10.99.21.3 (Conferencing Node)
#
# 1. On conf, dropbear (its own ed25519 host key in the lab's temp dir, no
#    password logins) listens on 10.99.21.3:443. From ept, OpenSSH's ssh
#    connects through socat (ProxyCommand, fixed source port 40022) with every
#    authentication method off: banners, key exchange, then the server refuses
#    the "none" authentication ("Permission denied") and both close.
# 2. dropbear is stopped (by PID); openssl s_server -rev listens on 443; from
#    ept, openssl s_client (source port 40443, SNI meet.lab.example): one line
#    each way, close_notify, FIN.
# Recorded on ept eth0.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_init
for tool in dropbear dropbearkey ssh socat openssl; do
	command -v "$tool" >/dev/null || lab_die "missing program: $tool"
done

lab_ns ept
lab_ns conf
lab_wire ept eth0 10.99.21.2/24 conf eth0 10.99.21.3/24

dropbearkey -t ed25519 -f "$LAB_TMP/hostkey" >"$LAB_TMP/dropbearkey.log" 2>&1 ||
	lab_die "dropbearkey failed: $(cat "$LAB_TMP/dropbearkey.log")"
lab_bg dropbear conf timeout 30 dropbear -F -E -s -p 10.99.21.3:443 -r "$LAB_TMP/hostkey" \
	-P "$LAB_TMP/dropbear.pid"
sshd=$LAB_LAST_PID
lab_wait_for_listen conf 443 5 || lab_die "dropbear did not start: $(cat "$LAB_TMP/dropbear.log")"
lab_tls_cert meet meet.lab.example

lab_record_start unexpected-app ept eth0 "$LAB_FILTER_DEFAULT"
rec=$LAB_LAST_PID

# 1. SSH on 443: key exchange completes, authentication is refused
: >"$LAB_TMP/ssh_config"   # an empty client config and known_hosts of our own
: >"$LAB_TMP/known_hosts"
lab_in ept timeout 15 ssh -F "$LAB_TMP/ssh_config" -p 443 -l lab \
	-o ProxyCommand="socat - TCP:10.99.21.3:443,bind=10.99.21.2,sourceport=40022" \
	-o BatchMode=yes -o ConnectTimeout=5 -o StrictHostKeyChecking=no -o UpdateHostKeys=no \
	-o UserKnownHostsFile="$LAB_TMP/known_hosts" -o GlobalKnownHostsFile="$LAB_TMP/known_hosts" \
	-o PubkeyAuthentication=no -o PasswordAuthentication=no \
	-o KbdInteractiveAuthentication=no -o GSSAPIAuthentication=no \
	-o HostbasedAuthentication=no \
	10.99.21.3 true >"$LAB_TMP/ssh.log" 2>&1 && lab_die "ssh logged in (it must not)"
grep -q "Permission denied" "$LAB_TMP/ssh.log" || lab_die "ssh: $(cat "$LAB_TMP/ssh.log")"
sleep 0.5
lab_stop "$sshd"
i=0
while lab_in conf ss -Hltn "sport = :443" | grep -q .; do
	i=$((i + 1)); [ "$i" -lt 50 ] || lab_die "port 443 still taken"
	sleep 0.1
done

# 2. TLS on the same port
lab_tls_server tls conf 443 meet
(echo "wirespec lab"; sleep 0.5; echo Q) | lab_in ept timeout 5 openssl s_client \
	-connect 10.99.21.3:443 -bind 10.99.21.2:40443 -servername meet.lab.example \
	>"$LAB_TMP/tls-client.log" 2>&1 || lab_die "s_client failed: $(tail -5 "$LAB_TMP/tls-client.log")"
grep -q "bal cepseriw" "$LAB_TMP/tls-client.log" || lab_die "no reply from s_server"
lab_record_stop "$rec" unexpected-app
