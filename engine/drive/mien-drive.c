/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Driving by example: tracking, stabilisation, the rest, the inverse rig
 * (mien-drive.h).
 *
 * Tracking. The face is found once with the analyzer (detector + landmarks)
 * and then followed: each frame's crop is re-made from the previous frame's
 * 68 landmarks (the detector box the analyzer found is remembered relative
 * to the landmarks' bounding box, so the re-made crop is the box the
 * landmark net was trained on) and the analyzer's describe step runs the
 * landmark net on it. The crop stays where it was while that box moves
 * less than 2 % of its side (CROP_HOLD in mien-drive-track.c): re-made from
 * every frame's landmarks it fed the net's noise back into its input. Every redetect_every frames, and whenever the face's
 * size jumps, the detector checks that a face is still there; where none
 * is, the frame is counted missing and the detector runs on every frame
 * until a face is back (the one nearest the last position).
 *
 * Brows. face-api's landmark net keeps the brows near its mean shape
 * (on MEAD's surprised clip its brow points stay within 0.01 iod of the
 * neutral clip's while the brows' edge in the image rises 0.09 iod), so
 * each tracked frame also measures each brow point's upper edge in the
 * image, and after tracking the brow points move with that edge
 * (mien-drive-brows.c): by the edge's offset from the net's point less
 * its median over the clip, One-Euro filtered. A driving photo's brows
 * are the net's (its rest, the driven photo's face, has no edge read).
 *
 * Lids (MIEN_DRIVE_LIDS=net turns this off). The net follows a closing
 * eye only in part too (14 % on liveportrait-d9's half-closed eyes, where
 * MediaPipe's iris model's eye contour closes 35-50 %), so each tracked
 * frame also runs the iris model (mien_face_analyzer_eyes) on the net's
 * own landmarks, and after tracking each lid is moved to its median
 * height over the eye's corners' line times its lid's contour height over
 * that lid's median, One-Euro filtered (mien-drive-lids.c, with what was
 * measured).
 *
 * The rest. The expression is measured against the clip's own neutral
 * face, not its first frame (a performer who starts smiling would make
 * every later frame read as "less smile"). Each frame is scored by
 * face-api's neutral probability minus how far its shape (aligned on the
 * eyes' corners and the nose bridge, in iod units) is from the clip's
 * median shape and how open its mouth is; the rest is the mean shape of
 * the best-scoring frames.
 *
 * Pose. Each frame is aligned to the rest by the similarity (translation,
 * roll, scale) that best maps its eye corners and nose bridge onto the
 * rest's; what is left is expression (plus what yaw and pitch do to a flat
 * projection, which a similarity cannot remove). Displacements are then in the rest's face frame (x along the eye
 * line, y towards the chin) and in inter-ocular distances, so a small face
 * and a big one, or a face near and far, give the same numbers.
 *
 * The inverse rig. The generator is the model: for each solved channel the
 * rig is run once on the rest shape (placed in the 128 grid as the headshot
 * crop places a face) at half intensity, and the forward displacement of
 * each landmark is read from its backward field F by solving q + F(q) = p.
 * Those columns form J (136 × channels). Each frame then solves
 *     min ‖W (J a − d)‖² + ridge ‖a‖²   subject to 0 ≤ a ≤ 5
 * by projected coordinate descent on the normal equations (warm-started
 * from the previous frame), where d has first lost the head's nod and
 * turn against the rest, measured on the skull's points alone (the jaw
 * line by the ears, the nose bridge, the eyes' corners: no AU moves them)
 * with the rig's generic 3-D face for depth, and the objective has a cost
 * on opposing channels acting together (the mouth's FACS antagonists, and
 * columns whose moves point against each other, except the lips apart or
 * the jaw open with a smile, a stretch or a raised upper lip, which FACS
 * scores together: an open smile), which keeps the fit from
 * explaining a lip move outside the rig's span by sums that cancel (AU12
 * with AU22 and AU15: a pout). mien-drive-solve.c, issue #23's MEAD
 * check; docs/QUALITY.md. The sided AUs are solved per
 * side (AU12L, AU12R) and written back as the bilateral channel (their
 * minimum) plus the one-sided excess, so a symmetric smile edits as one
 * curve. Gaze is not a column of the inverse rig (see "Gaze").
 *
 * Head pose. Not a column of the inverse rig (boxed to 0–5 it only soaked
 * up residual): each frame's head is fitted by the rig's own generic 3-D
 * face under weak perspective (mien_rig_fit_head, the fit the pose
 * channels turn the photo's head with) and its turn against the rest's
 * head (the rest frame nearest the rest frames' median yaw, pitch and
 * roll; for a driving photo, the driven photo's own face) becomes yaw,
 * pitch and roll, scaled by --strength and clamped to ±20°. A driving
 * photo therefore turns the photo's head to the driver's orientation.
 * The three angles then get a One Euro filter of their own, with a lower
 * cutoff than the landmarks' (mien_drive_options.pose_min_cutoff): the fit
 * reads pitch from small vertical differences and shook by 0.1° a frame
 * on a still performer, which shook the results' landmarks more than the
 * performer's own (mien-drive-solve.c, filter_pose).
 *
 * Adding the photo's own expression. The rig's zero is the photo as it is,
 * so a driven AU adds to whatever the photo already shows. To keep a
 * smiling photo from getting a double smile, a channel the photo already
 * shows at intensity p is driven with a·(5 − p)/5: what the face shows is
 * then p + a·(5 − p)/5, which grows with a, is never less than p and never
 * passes 5. p is the caller's: mien_drive_photo_expression measures the
 * photo's landmarks against the clip's rest through the same inverse rig,
 * but across two people identity reads as expression (sample1's face
 * against liveportrait-d19's rest: AU17 5, AU4 4.6 on a nearly neutral
 * face), so mien-render does not use it yet; a neutral reference of the
 * photo's own face is needed first.
 *
 * The photo's open mouth. The inner lips' opening is one measure that does
 * not depend on who the face is (a closed mouth is closed on anyone), so
 * it is copied rather than added where the photo shows its mouth open
 * (mien_drive_options.photo_mouth at MIEN_DRIVE_PHOTO_MOUTH_MIN or more,
 * set by mien_drive_options_set_photo): added, a laughing photo kept its
 * mouth open through every closed frame of a talking clip and opened it
 * further on every open one. The frame's mouth is to show the driver's
 * own opening (p + strength·(open − p)): closed more than
 * PHOTO_MOUTH_DEAD short of the photo's opening, the opening channels are
 * 0 and AU24 presses the lips together by the share that is to close (the
 * rig's lip seal); opened wider, the opening channels are scaled to add
 * only the difference (mien-drive-solve.c, photo_open_mouth). mien-render
 * --drive-mouth add and photo_mouth 0 keep the old sum.
 *
 * Gaze. The 68 landmarks carry no iris, so gaze is read from the driving
 * frame itself: on every tracked frame (on the tracking thread, after the
 * frame's landmarks, so one and two tracking threads agree bit for bit)
 * mien_iris_find fits each eye's iris inside the opening the landmark
 * net's own (unfiltered) points give, and mien_iris_offset keeps where it
 * sits: along the eye axis and across it, over half the eye's width. The
 * driver's straight ahead per eye (which need not be the opening's
 * centre) is the median offset over the frames, not over the expression's
 * rest frames, which are chosen by shape and may look aside (gaze_rest in
 * mien-drive-solve.c). Each eye's offset is the median of a centred window
 * of up to 5 frames (a fit that jumps for a frame or two goes); an eye
 * open less than 0.85 of its median, or whose iris has less than 0.6 of
 * its median contrast with the sclera, is left out (face-api's lids lag a
 * blink, and the fit then takes the lash line), and so is a frame with no
 * readable frame on one side (a blink's edge). The vertical offset grows
 * with the horizontal one squared (an iris in the eye's corner reads
 * lower): that share, fitted per clip, is taken off.
 * A frame's gaze is the mean over the eyes read of the offset minus the
 * straight ahead, One-Euro filtered like the landmarks (in iod, half an
 * eye's width being ~0.27 iod), and mapped to mien_iris_move's units:
 * gaze ±1 moves the photo's iris MIEN_IRIS_GAZE_H (0.25) of the eye's
 * width along the axis and MIEN_IRIS_GAZE_V (0.10) across it, so
 * gaze_h = 0.5·Δh / 0.25 and
 * gaze_v = 0.5·Δv / 0.10: the photo's iris moves the share of its eye's
 * width the driver's moved (clamped to ±1 after --strength). Image right
 * stays image right (no mirroring), like the other channels. An eye that
 * is shut, too small (under MIEN_IRIS_MIN_EYE_WIDTH pixels in the tracked
 * frame), glared or without contrast is left out; with neither eye the
 * last gaze holds and eases to 0 like a missing face (a blink is shorter
 * than the hold). Part of "eyes". A driving photo's offsets are read
 * against the eyes' centres (no rest of its own); the driven photo's own
 * gaze is not taken off.
 *
 * A face missing for a stretch: the last solved values hold for
 * MISSING_HOLD seconds, then ease (smoothstep) to the rest over
 * MISSING_EASE seconds; before the face is first seen the photo rests. */
#include "mien-drive-private.h"

#include <string.h>
#include <time.h>

/* The parts are listed in mien-drive-private.h. */

double
drive_now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void
mien_drive_options_init (mien_drive_options *o)
{
  *o = (mien_drive_options){
    .face = -1,
    .track_side = 720,
    .redetect_every = 5,
    .filter = { MIEN_DRIVE_DEFAULT_MIN_CUTOFF, MIEN_DRIVE_DEFAULT_BETA,
                MIEN_DRIVE_DEFAULT_D_CUTOFF },
    .strength = 1.0f,
    .parts = MIEN_DRIVE_ALL_PARTS,
    .ridge = 0.03f,
    .photo_mouth = 0.0f,
    .pose_min_cutoff = MIEN_DRIVE_DEFAULT_POSE_MIN_CUTOFF,
  };
}

void
mien_drive_options_set_photo (mien_drive_options *o, const mien_point *lm)
{
  float eyes, brows;
  mien_drive_measure (lm, &o->photo_mouth, &eyes, &brows);
  if (!isfinite (o->photo_mouth))
    o->photo_mouth = 0.0f;
}

mien_status
mien_drive_parts_parse (const char *text, unsigned *parts, mien_error *err)
{
  static const struct { const char *name; unsigned bit; } names[] = {
    { "eyes", MIEN_DRIVE_EYES }, { "brows", MIEN_DRIVE_BROWS },
    { "mouth", MIEN_DRIVE_MOUTH }, { "pose", MIEN_DRIVE_POSE },
  };
  unsigned mask = 0;
  const char *p = text;
  while (*p)
    {
      size_t n = strcspn (p, ",");
      int found = 0;
      for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (n == strlen (names[i].name) && strncmp (p, names[i].name, n) == 0)
          mask |= names[i].bit, found = 1;
      if (!found)
        return mien_error_set (err, MIEN_ERR_INVALID,
                               "unknown part '%.*s' (the parts are eyes, "
                               "brows, mouth and pose)", (int)n, p);
      p += n;
      if (*p == ',')
        p++;
    }
  if (mask == 0)
    return mien_error_set (err, MIEN_ERR_INVALID, "no part named (the parts "
                           "are eyes, brows, mouth and pose)");
  *parts = mask;
  return MIEN_OK;
}
