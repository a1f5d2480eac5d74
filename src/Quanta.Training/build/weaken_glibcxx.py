#!/usr/bin/env python3
"""Marks GLIBCXX_3.4.32 version needs as weak (VER_FLG_WEAK) in ELF64 little-endian files.

libLibTorchSharp.so from TorchSharp-cpu 0.107.0 declares a need for GLIBCXX_3.4.32 for a
symbol it never calls; with the need marked weak, the dynamic loader accepts an older
libstdc++ (Debian 12: 3.4.30). Edits the file in place; running it twice changes nothing.
Usage: weaken_glibcxx.py FILE...
"""
import struct
import sys

VERSION = b"GLIBCXX_3.4.32"
VER_FLG_WEAK = 0x2


def patch(path):
    with open(path, "r+b") as f:
        data = bytearray(f.read())
        if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
            print(f"weaken_glibcxx: {path}: not a 64-bit little-endian ELF file, skipped")
            return
        shoff, = struct.unpack_from("<Q", data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)

        def section(i):
            # name, type, flags, addr, offset, size, link
            return struct.unpack_from("<IIQQQQI", data, shoff + i * shentsize)

        SHT_GNU_VERNEED = 0x6FFFFFFE
        changed = 0
        for i in range(shnum):
            _, stype, _, _, off, size, link = section(i)
            if stype != SHT_GNU_VERNEED:
                continue
            stroff = section(link)[4]

            def name_at(o):
                end = data.index(b"\0", stroff + o)
                return bytes(data[stroff + o:end])

            vn = off
            while True:
                _, cnt, _, aux, nxt = struct.unpack_from("<HHIII", data, vn)
                va = vn + aux
                for _ in range(cnt):
                    _, flags, _, name, vnext = struct.unpack_from("<IHHII", data, va)
                    if name_at(name) == VERSION and not flags & VER_FLG_WEAK:
                        struct.pack_into("<H", data, va + 4, flags | VER_FLG_WEAK)
                        changed += 1
                    if vnext == 0:
                        break
                    va += vnext
                if nxt == 0:
                    break
                vn += nxt
        if changed:
            f.seek(0)
            f.write(data)
        print(f"weaken_glibcxx: {path}: {changed} version need(s) marked weak")


if __name__ == "__main__":
    for p in sys.argv[1:]:
        patch(p)
