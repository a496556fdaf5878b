#!/usr/bin/env python3
"""Grows a generated corpus Maildir N-fold by copying each message under new unique names.

replicate_maildir.py MAILDIR --times N

gen_maildir.py writes ≈ 90 messages/s on the loaded 2-core machine (its text generator is CPU
bound), so 100,000 messages would take 20 minutes or more; copying a 10,000-message corpus ten
times takes a fraction of that and gives the same number of distinct files, sizes and flags mix.
Each copy is a real file (not a hard link): every stack opens, reads and indexes 100,000 files.
Names follow gen_maildir.py's pattern with fresh times and Q numbers; mtimes (internal dates)
increase with the new names, so UID order and INTERNALDATE order agree as in the original.
"""
import argparse
import os
import re
import shutil

NAME = re.compile(r"^(\d+)\.M(\d+)P(\d+)Q(\d+)\.([^,:]+)(,.*)$")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("maildir", help="the corpus user's Maildir (the folder holding cur/)")
    parser.add_argument("--times", type=int, required=True)
    args = parser.parse_args()
    if not 2 <= args.times <= 20:
        parser.error("--times is 2..20")
    cur = os.path.join(args.maildir, "cur")
    originals = sorted(os.listdir(cur))
    count = len(originals)
    for copy in range(1, args.times):
        for name in originals:
            m = NAME.match(name)
            if not m:
                raise SystemExit(f"unexpected file name {name}")
            n = int(m.group(4)) + copy * count
            stamp = int(m.group(1)) + copy * count
            new = f"{stamp}.M{n % 1_000_000}P{m.group(3)}Q{n}.{m.group(5)}{m.group(6)}"
            target = os.path.join(cur, new)
            shutil.copyfile(os.path.join(cur, name), target)
            os.utime(target, (stamp, stamp))


if __name__ == "__main__":
    main()
