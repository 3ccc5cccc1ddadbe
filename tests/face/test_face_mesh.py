#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""MediaPipe's face mesh as the face analyzer runs it (mien-faces --mesh,
engine/face/mien-face-mesh.c): where it lands and what happens without it.

On every face of the sample photos that face-api's analyzer finds:
  - 468 finite points and a face score of 0.9 or more;
  - the mesh agrees with face-api's 68 landmarks where both mark the same
    thing: the mouth's outer corners (mesh 61 / 291, face-api 48 / 54),
    the nose tip (mesh 1, face-api 30) and the eyes' outer corners (mesh
    33 / 263, face-api 36 / 45), each within 0.25 of the eye distance
    (measured: at most 0.19, sample2/1's far mouth corner on a turned
    face; a mesh on the wrong face or upside down is an eye distance off);
  - its inner lips lie inside its outer lips' box.
Bad input: the model missing (MIEN_MESH_MODEL=none: "mesh": null, nothing
said) or its weights truncated ("mesh": null, one line on stderr naming
the model, the faces still found): never a crash.
The executor itself is checked against TensorFlow.js in
tests/nn/test-tfjs-graph.c.
Usage: test_face_mesh.py PATH/TO/mien-faces  (77 without the models)"""
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.environ.get("MIEN_SOURCE_ROOT", ".")
MODELS = os.path.join(ROOT, "data", "models", "face-api")
MESH = os.path.join(ROOT, "data", "models", "human", "facemesh.json")
SAMPLES = os.path.join(ROOT, "data", "samples")
PHOTOS = ["astronaut.png"] + [f"sample{i}.jpg" for i in range(1, 7)]
# (mesh point, face-api landmark) pairs that mark the same feature.
SAME = [(61, 48), (291, 54), (1, 30), (33, 36), (263, 45)]
MAX_OFF = 0.25  # of the eye distance
INNER = [78, 308, 82, 87, 13, 14, 312, 317]
OUTER = [61, 291, 0, 17, 37, 267, 84, 314]

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what)


def run(tool, photo, env=None):
    r = subprocess.run([tool, photo, "--json", "--mesh", "--models", MODELS],
                       capture_output=True, text=True, env=env)
    return r.returncode, r.stdout, r.stderr


def centre(lm, first, n):
    return (sum(p[0] for p in lm[first:first + n]) / n,
            sum(p[1] for p in lm[first:first + n]) / n)


def main():
    tool = sys.argv[1]
    if not (os.path.isdir(MODELS) and os.path.exists(MESH)
            and os.path.isdir(SAMPLES)):
        print("SKIP: models or sample photos missing (scripts/setup.sh)")
        return 77
    worst = 0.0
    n_faces = 0
    for name in PHOTOS:
        rc, out, err = run(tool, os.path.join(SAMPLES, name))
        check(rc == 0, f"{name}: mien-faces --mesh failed: {err.strip()}")
        if rc != 0:
            continue
        for i, face in enumerate(json.loads(out)["faces"]):
            mesh = face.get("mesh")
            check(mesh is not None, f"{name}/{i}: no mesh")
            if mesh is None:
                continue
            n_faces += 1
            pts = mesh["points"]
            check(len(pts) == 468, f"{name}/{i}: {len(pts)} mesh points")
            check(all(all(isinstance(v, float) and math.isfinite(v)
                          for v in p) for p in pts),
                  f"{name}/{i}: mesh points not finite")
            check(mesh["score"] >= 0.9,
                  f"{name}/{i}: mesh face score {mesh['score']}")
            lm = face["landmarks"]
            iod = math.dist(centre(lm, 36, 6), centre(lm, 42, 6))
            offs = [math.dist(pts[m][:2], lm[f]) / iod for m, f in SAME]
            worst = max(worst, max(offs))
            print(f"{name}/{i}: mesh vs face-api (iod): "
                  + " ".join(f"{o:.3f}" for o in offs))
            check(max(offs) <= MAX_OFF,
                  f"{name}/{i}: mesh {max(offs):.3f} iod from face-api")
            xs = [pts[k][0] for k in OUTER]
            ys = [pts[k][1] for k in OUTER]
            slack = 0.05 * iod
            check(all(min(xs) - slack <= pts[k][0] <= max(xs) + slack
                      and min(ys) - slack <= pts[k][1] <= max(ys) + slack
                      for k in INNER),
                  f"{name}/{i}: inner lips outside the outer lips")
    print(f"{n_faces} faces, worst mesh-to-face-api distance {worst:.3f} iod")
    check(n_faces >= 20, f"only {n_faces} faces with a mesh")

    photo = os.path.join(SAMPLES, "astronaut.png")
    env = dict(os.environ, MIEN_MESH_MODEL="none")
    rc, out, err = run(tool, photo, env)
    faces = json.loads(out)["faces"] if rc == 0 else []
    check(rc == 0 and faces and all(f["mesh"] is None for f in faces),
          "MIEN_MESH_MODEL=none: expected faces with \"mesh\": null")
    check("mesh" not in err, f"MIEN_MESH_MODEL=none said: {err.strip()}")
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(MESH, os.path.join(tmp, "facemesh.json"))
        data = open(MESH.replace(".json", ".bin"), "rb").read()
        open(os.path.join(tmp, "facemesh.bin"), "wb").write(
            data[:len(data) // 2])
        env = dict(os.environ,
                   MIEN_MESH_MODEL=os.path.join(tmp, "facemesh.json"))
        rc, out, err = run(tool, photo, env)
        faces = json.loads(out)["faces"] if rc == 0 else []
        check(rc == 0 and faces and all(f["mesh"] is None for f in faces),
              "truncated facemesh.bin: expected faces with \"mesh\": null")
        check("face mesh model is not used" in err,
              f"truncated facemesh.bin: no message ({err.strip()!r})")
        print("truncated weights:", err.strip())
    print(f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
