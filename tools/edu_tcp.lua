-- SPDX-License-Identifier: GPL-2.0
--
-- edu_tcp.lua: Wireshark and tshark decode edu_tcp as TCP.
--
-- edu_tcp puts TCP's header, unchanged, behind IP protocol number 253 (an
-- RFC 3692 experimental number) and computes its checksum over a
-- pseudo-header that says 6, as TCP's does.  So Wireshark's own TCP
-- dissector reads it whole -- flags, relative sequence numbers, streams,
-- checksum validation -- once it is told that 253 means TCP.  The "ip.proto"
-- table is the one both IPv4 (protocol field) and IPv6 (the last Next
-- Header) look their payload up in, so one entry serves both.
--
-- Install (Wireshark loads every .lua in a user's personal plugin folder;
-- Help > About Wireshark > Folders shows it):
--   make wireshark-plugin     (copies this file there)
--   cp tools/edu_tcp.lua ~/.local/lib/wireshark/plugins/
-- or for one run only:
--   tshark -X lua_script:tools/edu_tcp.lua -r build/demo.pcap
--
-- A module loaded with proto=254: EDU_TCP_PROTO=254 wireshark ...

local default_proto = 253
local number = tonumber(os.getenv("EDU_TCP_PROTO") or "") or default_proto

local tcp = Dissector.get("tcp")
DissectorTable.get("ip.proto"):add(number, tcp)
