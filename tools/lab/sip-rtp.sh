#!/bin/bash
# sip-rtp.sh — records sip-rtp.pcap: an endpoint calls a Pexip Conferencing
# Node over SIP on UDP 5060 (RFC 3261) and exchanges RTP (RFC 3550) both ways,
# first on a media port inside the document's range 40000-49999, then, in a
# second call, on port 30000 outside it.
#
#   ept 10.99.16.2 (endpoint) --veth-- conf 10.99.16.3 (Conferencing Node)
#
# On conf: tools/lab/sip-rtp.py uas (SIP on 10.99.16.3:5060; RTP answered on
# 40000 for the first call and 30000 for the second).
# On ept:  tools/lab/sip-rtp.py uac from 10.99.16.2:5060: OPTIONS/200; INVITE
# (SDP m=audio 20000)/100/200 (m=audio 40000)/ACK, 6 RTP packets to 40000,
# each answered, BYE/200; the same again from RTP port 20002 to 30000.
# Recorded on ept eth0.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_init
LAB_PY=${LAB_PY:-/usr/bin/python3}

lab_ns ept
lab_ns conf
lab_wire ept eth0 10.99.16.2/24 conf eth0 10.99.16.3/24

lab_bg uas conf timeout 40 "$LAB_PY" "$LAB_DIR/sip-rtp.py" uas 10.99.16.3 5060 40000 30000
uas=$LAB_LAST_PID
lab_wait_for "$LAB_TMP/uas.log" "listening" 5 || lab_die "UAS did not start: $(cat "$LAB_TMP/uas.log")"

lab_record_start sip-rtp ept eth0 "$LAB_FILTER_DEFAULT"
rec=$LAB_LAST_PID
lab_in ept timeout 30 "$LAB_PY" "$LAB_DIR/sip-rtp.py" uac 10.99.16.2 5060 10.99.16.3 5060 20000 2 6 \
	>"$LAB_TMP/uac.log" 2>&1 || lab_die "UAC failed: $(cat "$LAB_TMP/uac.log")"
grep -q "call 2: sent 6 RTP, got 6 back" "$LAB_TMP/uac.log" || lab_die "RTP not answered: $(cat "$LAB_TMP/uac.log")"
lab_stop "$uas"
grep -c "BYE answered" "$LAB_TMP/uas.log" | grep -qx 2 || lab_die "UAS log: $(cat "$LAB_TMP/uas.log")"
lab_record_stop "$rec" sip-rtp
