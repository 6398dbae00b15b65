#!/usr/bin/env python3
"""Writes COUNT distinct well-formed forged tokens (ljq_ + 43 random base62 + the 6-character
base62 CRC32 checksum, as shared/Sources/TokenProtocol/TokenFormat.swift), one per line."""
import secrets
import sys
import zlib

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def forged():
    body = "ljq_" + "".join(secrets.choice(ALPHABET) for _ in range(43))
    crc = zlib.crc32(body.encode())
    digits = []
    for _ in range(6):
        digits.append(ALPHABET[crc % 62])
        crc //= 62
    return body + "".join(reversed(digits))


count = int(sys.argv[1]) if len(sys.argv) > 1 else 50000
sys.stdout.write("\n".join(forged() for _ in range(count)) + "\n")
