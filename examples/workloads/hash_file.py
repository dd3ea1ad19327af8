"""Write SIZE bytes of generated data to a temporary file and hash it with SHA-256.

Usage: python3 hash_file.py [SIZE]   (bytes, default 16777216 = 16 MiB)

The data comes from a fixed seed, so every run hashes the same bytes and
prints the same digest. Set the config's ``work`` value to SIZE, and
throughput_per_s is the bytes hashed per second. The script removes the file
before it exits.
"""

import hashlib
import os
import random
import sys
import tempfile

DEFAULT_SIZE = 16 * 1024 * 1024
CHUNK_SIZE = 1024 * 1024
SEED = 20260115


def main() -> int:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SIZE
    # One random megabyte, repeated: generating every byte would cost more
    # than hashing it and make the bench measure the generator instead.
    block = random.Random(SEED).randbytes(CHUNK_SIZE)
    descriptor, path = tempfile.mkstemp(prefix="perfgate-example-", suffix=".bin")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            remaining = size
            while remaining > 0:
                handle.write(block[: min(remaining, CHUNK_SIZE)])
                remaining -= CHUNK_SIZE
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(CHUNK_SIZE), b""):
                digest.update(chunk)
    finally:
        os.unlink(path)
    print(f"hashed {size} bytes; sha256 {digest.hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
