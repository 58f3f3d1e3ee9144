"""Synthetic scans and phone photos of our own printed forms, with the truth of every mark.

`python -m samples.scangen --form 2018/mau-05 --count 20 --out DIR --seed 1 --style mixed`; see README.md.
"""
