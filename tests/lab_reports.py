#!/usr/bin/env python3
"""What `wirespec audit --format json` reports for the lab recordings.

Each expectation restates what tshark shows for the file (captures/lab/
README.md holds tshark's output, made by tools/lab/verify.sh) and what the
lab did to make it, not what wirespec printed.
Usage: lab_reports.py WIRESPEC SOURCE_DIR
"""
import json
import os
import subprocess
import sys

passed = failed = 0


def audit(ws, path):
    run = subprocess.run([ws, "audit", "--format", "json", path], capture_output=True, text=True)
    if run.returncode not in (0, 1):
        raise SystemExit(f"{path}: wirespec exited {run.returncode}: {run.stderr}")
    return json.loads(run.stdout)


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def flow(report, proto, dport, dst=None):
    for f in report["flows"]:
        if f["transport"] == proto and f["dst"]["port"] == dport and (dst is None or f["dst"]["ip"] == dst):
            return f
    return None


def main():
    ws, src = sys.argv[1], sys.argv[2]
    lab = os.path.join(src, "captures", "lab")

    # SYN 10.99.3.2:40001 -> 10.99.3.3:8443 answered by RST,ACK.
    r = audit(ws, os.path.join(lab, "tcp-refused.pcap"))
    f = flow(r, "tcp", 8443)
    check("tcp-refused: rejected", f and f["outcome"] == "rejected" and f["src"]["ip"] == "10.99.3.2"
          and f["src_packets"] == 1 and f["dst_packets"] == 1, f)

    # Four SYNs 10.99.4.2:40002 -> 10.99.40.2:443, 1 s apart, nothing back.
    r = audit(ws, os.path.join(lab, "tcp-dropped.pcap"))
    f = flow(r, "tcp", 443)
    check("tcp-dropped: no-answer after 4 SYNs", f and f["outcome"] == "no-answer"
          and f["src_packets"] == 4 and f["dst_packets"] == 0, f)

    # TCP 5061 and UDP 5060 rejected with ICMP 3/13, UDP 5070 with 3/3, all
    # from the router 10.99.5.1; the errors belong to the flows they quote.
    r = audit(ws, os.path.join(lab, "icmp-prohibited.pcap"))
    for proto, port, code in (("tcp", 5061, 13), ("udp", 5060, 13), ("udp", 5070, 3)):
        f = flow(r, proto, port, "10.99.50.2")
        e = f and f.get("icmp_error")
        check(f"icmp-prohibited: {proto} {port} icmp-error 3/{code} from the router",
              e and f["outcome"] == "icmp-error" and e["type"] == 3 and e["code"] == code
              and e["from"] == "10.99.5.1", f)
    check("icmp-prohibited: the ICMP errors are not flows of their own",
          not [f for f in r["flows"] if f["transport"] == "icmp"], [f["id"] for f in r["flows"]])

    # The same over IPv6: ICMPv6 1/1 (administratively prohibited) and 1/4.
    r = audit(ws, os.path.join(lab, "icmp6-prohibited.pcap"))
    codes = sorted((f["transport"], f["icmp_error"]["code"]) for f in r["flows"] if f.get("icmp_error"))
    check("icmp6-prohibited: ICMPv6 errors attached", ("tcp", 1) in codes and ("udp", 4) in codes, codes)

    # DNS answers api.prysm.com -> 10.99.6.10, then TLS to 10.99.6.10 with SNI api.prysm.com.
    r = audit(ws, os.path.join(lab, "dns-then-tls.pcap"))
    f = flow(r, "tcp", 443, "10.99.6.10")
    check("dns-then-tls: the TLS flow's server carries api.prysm.com",
          f and "api.prysm.com" in f["dst"]["names"] and f["outcome"] in ("closed", "established"), f)
    check("dns-then-tls: TLS by payload inspection", f and f["app"] and f["app"].startswith("TLS")
          and f["app_source"] == "dpi", f and (f["app"], f["app_source"]))
    d = flow(r, "udp", 53)
    check("dns-then-tls: DNS answered", d and d["outcome"] == "answered" and d["app"] == "DNS", d)

    # TLS with SNI streaming-eu1.cloud.prysm.com and no DNS in the capture.
    r = audit(ws, os.path.join(lab, "tls-sni-only.pcap"))
    f = [f for f in r["flows"] if f["transport"] == "tcp"]
    check("tls-sni-only: the name comes from the SNI alone",
          len(f) == 1 and f[0]["dst"]["names"] == ["streaming-eu1.cloud.prysm.com"], f)

    # IKEv2 with no NAT: every NAT-D hash matches (natd.py in the README).
    r = audit(ws, os.path.join(lab, "ike-direct.pcap"))
    sa = r["ike_sas"]
    check("ike-direct: one IKEv2 SA, nobody behind NAT",
          len(sa) == 1 and sa[0]["version"] == 2 and sa[0]["natd_present"]
          and sa[0]["initiator"]["behind_nat"] == "no" and sa[0]["responder"]["behind_nat"] == "no"
          and not sa[0]["moved_to_4500"], sa)

    # Through MASQUERADE, seen outside: the initiator's NAT_DETECTION_SOURCE_IP
    # was computed over 10.99.2.2:500 but the packet shows 10.99.20.1:500.
    r = audit(ws, os.path.join(lab, "ike-nat.pcap"))
    sa = r["ike_sas"]
    check("ike-nat: initiator behind NAT, responder not, moved to 4500",
          len(sa) == 1 and sa[0]["initiator"]["behind_nat"] == "yes"
          and sa[0]["responder"]["behind_nat"] == "no" and sa[0]["moved_to_4500"]
          and sa[0]["initiator"]["ip"] == "10.99.20.1", sa)

    # Seen inside: the same SPIs, the initiator at its own address.
    inside = audit(ws, os.path.join(lab, "ike-nat-inside.pcap"))["ike_sas"]
    check("ike-nat-inside: same SA (SPIs), initiator 10.99.2.2 behind NAT",
          len(inside) == 1 and sa and inside[0]["spi_i"] == sa[0]["spi_i"]
          and inside[0]["initiator"]["ip"] == "10.99.2.2" and inside[0]["initiator"]["behind_nat"] == "yes",
          inside)

    # Userspace ESP: ESP-in-UDP on 4500 both ways.
    sa = audit(ws, os.path.join(lab, "ike-nat-esp.pcap"))["ike_sas"]
    check("ike-nat-esp: ESP-in-UDP seen both ways",
          len(sa) == 1 and sa[0]["initiator"]["esp_in_udp"] > 0 and sa[0]["responder"]["esp_in_udp"] > 0, sa)

    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
