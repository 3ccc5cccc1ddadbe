#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The crops tests/data/iris-marks.json was marked on (issue #25): every eye
of the fixture landmarks (tests/data/landmarks), a square 2.5 corner
distances wide and a contrast-stretched 1.1-wide zoom, upscaled to 480 px,
with a labelled grid in photo pixels (pixel i spans [i, i+1)); no landmark
and no fit drawn. Marks already in OUT/marks.json (a list of the eyes of
iris-marks.json) are drawn as a red circle, to check them.

Usage: scripts/iris-marks-crops.py OUT [STEM]   writes OUT/STEM_FACESIDE.png"""
import json, glob, math, os, sys
from PIL import Image, ImageDraw, ImageOps, ImageFont
ROOT=os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT=sys.argv[1] if len(sys.argv)>1 else '/tmp/iris'
S=480; M=40
try: font=ImageFont.truetype('/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',11)
except Exception: font=ImageFont.load_default()
marks={}
if os.path.exists(OUT+'/marks.json'):
    for e in json.load(open(OUT+'/marks.json')):
        marks[(e['photo'],e['face'],e['side'])]=e
def eyes():
    for f in sorted(glob.glob(ROOT+'/tests/data/landmarks/*.json')):
        d=json.load(open(f)); stem=os.path.splitext(os.path.basename(f))[0]
        for i,fc in enumerate(d['faces']):
            L=fc['landmarks']
            for s,(a,b) in (('R',(36,39)),('L',(42,45))):
                yield stem,d['image'],i,s,L[a],L[b]
imgs={}
def render(stem,image,i,s,pa,pb,only=None):
    if image not in imgs: imgs[image]=Image.open(ROOT+'/data/samples/'+image).convert('RGB')
    im=imgs[image]
    cx=(pa[0]+pb[0])/2; cy=(pa[1]+pb[1])/2
    panels=[]
    for k in range(2):
        side=(2.5 if k==0 else 1.1)*math.dist(pa,pb)
        x0=cx-side/2; y0=cy-side/2
        sc=S/side
        crop=im.resize((S,S),Image.BICUBIC,box=(x0,y0,x0+side,y0+side))
        minor,major=((1,5) if side<60 else (2,10)) if k==0 else (1,5)
        lo,hi=zip(*crop.convert('L').getextrema()) if False else crop.convert('L').getextrema()
        p=crop if (k==0 or hi-lo<40) else ImageOps.autocontrast(crop,cutoff=0.5)
        c=Image.new('RGB',(S+M,S+M),(255,255,255)); c.paste(p,(M,M))
        ov=Image.new('RGBA',c.size,(0,0,0,0)); d=ImageDraw.Draw(ov)
        X=lambda x:M+(x-x0)*sc; Y=lambda y:M+(y-y0)*sc
        for v in range(math.ceil(x0),math.floor(x0+side)+1):
            if v%minor: continue
            mj=v%major==0
            if k==1 or mj:
                d.line([(X(v),M if k==1 else M-8),(X(v),S+M if k==1 else M)],fill=(0,255,255,110 if mj else 55))
            if mj: d.text((X(v)-12,4 if k else 14),str(v),fill=(0,0,0,255),font=font)
        for v in range(math.ceil(y0),math.floor(y0+side)+1):
            if v%minor: continue
            mj=v%major==0
            if k==1 or mj:
                d.line([(M if k==1 else M-8,Y(v)),(S+M if k==1 else M,Y(v))],fill=(0,255,255,110 if mj else 55))
            if mj: d.text((1,Y(v)-6),str(v),fill=(0,0,0,255),font=font)
        e=marks.get((stem,i,s))
        if e and e.get('visible'):
            (mx,my),r=e['centre'],e['radius']
            d.ellipse([X(mx-r),Y(my-r),X(mx+r),Y(my+r)],outline=(255,0,0,230),width=2)
            d.line([(X(mx)-4,Y(my)),(X(mx)+4,Y(my))],fill=(255,0,0,230)); d.line([(X(mx),Y(my)-4),(X(mx),Y(my)+4)],fill=(255,0,0,230))
        c=Image.alpha_composite(c.convert('RGBA'),ov).convert('RGB')
        panels.append(c)
    out=Image.new('RGB',(2*(S+M)+10,S+M+18),(255,255,255))
    out.paste(panels[0],(0,18)); out.paste(panels[1],(S+M+10,18))
    ImageDraw.Draw(out).text((4,2),f'{stem} face {i} side {s}   left: 2.5x crop, right: 1.1x zoom, 1px grid, contrast-stretched',fill=(0,0,0),font=font)
    return out, panels
if __name__=='__main__':
    os.makedirs(OUT, exist_ok=True)
    sel=sys.argv[2] if len(sys.argv)>2 else None
    for stem,image,i,s,pa,pb in eyes():
        if sel and stem!=sel: continue
        out,_=render(stem,image,i,s,pa,pb)
        out.save(f'{OUT}/{stem}_{i}{s}.png')
