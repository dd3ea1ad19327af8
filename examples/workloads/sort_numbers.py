"""Sort COUNT pseudo-random integers and print a checksum of the result.

Usage: python3 sort_numbers.py [COUNT]   (default 200000)

The numbers come from a fixed seed, so every run does the same work. Set the
config's ``work`` value to COUNT, and throughput_per_s is the numbers sorted
per second.
"""

import random
import sys

DEFAULT_COUNT = 200_000
SEED = 20260115


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_COUNT
    generator = random.Random(SEED)
    numbers = [generator.randrange(1_000_000_000) for _ in range(count)]
    numbers.sort()
    if any(numbers[index] > numbers[index + 1] for index in range(count - 1)):
        print("sort_numbers: the result is not sorted", file=sys.stderr)
        return 1
    checksum = sum(numbers[:: max(1, count // 1000)]) % 1_000_000_007
    print(f"sorted {count} numbers; checksum {checksum}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
