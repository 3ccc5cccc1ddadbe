#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The head's region (issue #24) against the reference masks drawn by hand
(tests/data/head-masks/*.json; how they were made: docs/QUALITY.md,
"Reference masks and IoU").

Runs BUILD/tests/rig/test-head-region --write-dir, which writes the rig's
region at photo resolution for each mask (the 128² grid's 0/1 nodes,
bilinear at each pixel centre, >= 0.5), rasterizes each polygon itself (PIL,
an implementation independent of the C test's even-odd rule), and prints per
face: IoU clipped at the mask's chin line (region pixels below it dropped)
and unclipped, and where the two disagree, as fractions of the mask's area:
  missed  mask pixels outside the region (hair volume, ears beyond it),
          split at the brows' highest landmark: "top" above it (the
          crown's hair), "sides" below it (hair and ears beside the face)
  extra   region pixels outside the mask above the cut (background inside
          the grown ellipse)
  below   region pixels below the chin line (neck, collar, shoulders)

  scripts/head-region-iou.py --build build [--sheet docs/images/head-masks.jpg]

--sheet also draws the contact sheet: each face cropped around mask and
region, the mask's outline in red, the region tinted cyan with its outline,
the chin line dashed.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

from PIL import Image, ImageChops, ImageDraw, ImageFont

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def rasterize(size, polygon):
    m = Image.new('1', size, 0)
    ImageDraw.Draw(m).polygon([tuple(p) for p in polygon], fill=1)
    return m


def count(img):
    return img.histogram()[-1] if img.mode == '1' else sum(img.convert('1').histogram()[255:])


def ones(img):
    h = img.convert('L').histogram()
    return sum(h[128:])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--build', default='build')
    ap.add_argument('--sheet', help='write the contact sheet (JPEG) here')
    args = ap.parse_args()
    exe = os.path.join(args.build, 'tests', 'rig', 'test-head-region')
    if not os.path.exists(exe):
        sys.exit('%s missing: ninja -C %s tests/rig/test-head-region' % (exe, args.build))
    tmp = tempfile.mkdtemp(prefix='head-region-')
    env = dict(os.environ, MIEN_SOURCE_ROOT=ROOT)
    r = subprocess.run([exe, '--write-dir', tmp], env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit('test-head-region failed (%d):\n%s%s' % (r.returncode, r.stdout, r.stderr))
    rows, tiles = [], []
    for path in sorted(glob.glob(os.path.join(ROOT, 'tests', 'data', 'head-masks', '*.json'))):
        name = os.path.basename(path)[:-5]
        m = json.load(open(path))
        region = Image.open(os.path.join(tmp, name + '-region.pgm')).convert('L')
        w, h = region.size
        cut = m['chin_cut_y']
        mask = rasterize((w, h), m['polygon']).convert('L')
        above = Image.new('L', (w, h), 0)
        # pixel centres y + 0.5 <= cut
        ImageDraw.Draw(above).rectangle([0, 0, w, int(cut - 0.5)], fill=255)
        reg_c = ImageChops.multiply(region, above)
        area = ones(mask)
        inter_c = ones(ImageChops.multiply(reg_c, mask))
        union_c = ones(ImageChops.lighter(reg_c, mask))
        inter_a = ones(ImageChops.multiply(region, mask))
        union_a = ones(ImageChops.lighter(region, mask))
        missed = area - inter_a
        lm = json.load(open(os.path.join(ROOT, m['landmarks'])))['faces'][m['face']]['landmarks']
        brow = min(p[1] for p in lm[17:27])
        top = Image.new('L', (w, h), 0)
        ImageDraw.Draw(top).rectangle([0, 0, w, int(brow - 0.5)], fill=255)
        miss_img = ImageChops.subtract(mask, region)
        missed_top = ones(ImageChops.multiply(miss_img, top))
        extra = ones(reg_c) - inter_c
        below = ones(region) - ones(reg_c)
        rows.append((name, len(m['polygon']), inter_c / union_c, inter_a / union_a,
                     missed_top / area, (missed - missed_top) / area, extra / area, below / area))
        if args.sheet:
            photo = Image.open(os.path.join(ROOT, 'data', 'samples', m['photo'])).convert('RGB')
            bbox = ImageChops.lighter(region, mask).getbbox()
            pad = 10
            box = (max(bbox[0] - pad, 0), max(bbox[1] - pad, 0),
                   min(bbox[2] + pad, w), min(bbox[3] + pad, h))
            tile = photo.crop(box)
            reg = region.crop(box)
            cyan = Image.new('RGB', tile.size, (0, 220, 255))
            tile = Image.composite(Image.blend(tile, cyan, 0.35), tile, reg)
            s = 300.0 / tile.size[1]
            tile = tile.resize((round(tile.size[0] * s), 300), Image.LANCZOS)
            d = ImageDraw.Draw(tile)
            edge = reg.resize(tile.size, Image.NEAREST)
            edge = ImageChops.difference(edge, edge.transform(edge.size, Image.AFFINE, (1, 0, 1, 0, 1, 1)))
            tile.paste((0, 160, 255), mask=edge.point(lambda v: 255 if v > 128 else 0))
            pts = [((x - box[0]) * s, (y - box[1]) * s) for x, y in m['polygon']]
            d.line(pts + [pts[0]], fill=(255, 30, 30), width=2)
            yc = (cut - box[1]) * s
            for x0 in range(0, tile.size[0], 12):
                d.line([(x0, yc), (x0 + 6, yc)], fill=(255, 255, 0), width=1)
            d.rectangle([0, 0, 200, 16], fill=(0, 0, 0))
            d.text((3, 2), '%s  IoU %.2f / %.2f' % (name, rows[-1][2], rows[-1][3]), fill=(255, 255, 255))
            tiles.append(tile)
    print('| face | vertices | IoU (cut at chin) | IoU (unclipped) | missed, top | missed, sides | extra above cut | below cut |')
    print('|---|---|---|---|---|---|---|---|')
    for r in rows:
        print('| %s | %d | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |' % r)
    n = len(rows)
    print('| mean | | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |' % tuple(
        sum(r[k] for r in rows) / n for k in range(2, 8)))
    print('(missed, extra, below: fractions of the mask\'s area)')
    if args.sheet and tiles:
        per_row = 4
        rws = [tiles[i:i + per_row] for i in range(0, len(tiles), per_row)]
        W = max(sum(t.size[0] for t in r) + 4 * (len(r) - 1) for r in rws)
        sheet = Image.new('RGB', (W, 304 * len(rws)), (255, 255, 255))
        for j, r in enumerate(rws):
            x = 0
            for t in r:
                sheet.paste(t, (x, j * 304))
                x += t.size[0] + 4
        sheet.save(args.sheet, quality=82)
        print('wrote', args.sheet, os.path.getsize(args.sheet), 'bytes')


if __name__ == '__main__':
    main()
