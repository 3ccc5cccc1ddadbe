/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What each Action Unit does to the face, as data: every tuned coefficient
 * of the rig's landmark moves, lids and lip seal. Adding a channel (an AU,
 * a viseme, head pose) is adding rows here; rig-moves.c, rig-eyelids.c and
 * rig-mouth.c read the rows and hold no numbers of their own for the AUs.
 *
 * Units: "out" (away from the face's midline) and "down" (towards the
 * chin) in inter-ocular distances (iod, about 63 mm on an adult) at full
 * intensity, FACS 5; a move scales linearly with the intensity. Lids in
 * fractions of the eye's opening.
 *
 * Sources: the direction of each move is the AU's appearance change in the
 * FACS manual (Ekman, Friesen & Hager 2002); the sizes were set on the
 * contact sheets (docs/QUALITY.md) and, for the AUs the presets lean on
 * (AU4, AU12, AU15, AU23), against face-api's expression model with
 * tools/calibrate. Within a group, rows are summed in table order (the
 * float sums are compared bit for bit against the recorded fields). */
#include "rig-private.h"

#define N_OF(a) ((int)(sizeof (a) / sizeof *(a)))

/* ---- landmark groups ------------------------------------------------------ */

const rig_pull rig_pulls[] = {
  /* The lip corner, per side. AU12 pulls it up and out along the
   * zygomaticus; AU14 draws it in; AU15 pulls it down: at 5 it drops 0.20
   * iod (about 12 mm), past level, since most photos smile and a depressor
   * that only undid the smile's lift read as a frowning smile
   * (tools/calibrate: angry 14 -> 16 of 20 faces). AU20 stretches it
   * sideways; AU23 narrows the mouth; the dropped jaw (AU26) takes the
   * corner down and a little in. */
  { RIG_LIP_CORNER, MIEN_AU12, 0.13f, -0.14f },
  { RIG_LIP_CORNER, MIEN_AU14, -0.06f, -0.01f },
  { RIG_LIP_CORNER, MIEN_AU15, 0.01f, 0.20f },
  { RIG_LIP_CORNER, MIEN_AU20, 0.15f, 0.02f },
  { RIG_LIP_CORNER, MIEN_AU23, -0.06f, 0.0f },
  { RIG_LIP_CORNER, MIEN_AU26, -0.02f, 0.08f },
  /* AU18 (incisivii labii) draws the corners towards the mouth's centre
   * as the lips push forward. */
  { RIG_LIP_CORNER, MIEN_AU18, -0.12f, 0.0f },
  /* AU22 (orbicularis oris) funnels the lips: the corners come in, the
   * lips flare apart into a round opening. AU24 presses them together and
   * draws the corners in a little. AU27 (pterygoids, digastric) stretches
   * the mouth open into a tall oval: the corners go down and in. The fold
   * guard caps any jaw drop near AU26's at 5 (the chin would fold into the
   * neck), so AU27 opens about as far and differs by the narrowed oval. */
  { RIG_LIP_CORNER, MIEN_AU22, -0.12f, 0.0f },
  { RIG_LIP_CORNER, MIEN_AU24, -0.03f, 0.0f },
  { RIG_LIP_CORNER, MIEN_AU27, -0.10f, 0.08f },

  /* The skin beside the lip corner, per side: the pucker (AU18) draws it
   * in with the corners (rig_corner_skin_points), so that the pull spreads
   * over the cheek instead of stretching the skin just outside the corner,
   * where the field came near a fold: the fold guard scaled visemes O and
   * U (AU18 + AU22) to 0.71-0.97 without it, and with it leaves them
   * whole but O on one face (0.994; tests/rig/test-rig-fields). AU18's
   * own pull on the corner is 0.12 iod (was 0.10). AU22 alone has no row
   * here: its skin points made the detector refuse one face (sample3/2)
   * at AU22 = 5. */
  { RIG_CORNER_SKIN, MIEN_AU18, -0.15f, 0.0f },

  /* The cheek, per side: AU6 lifts it (orbicularis oculi, pars orbitalis),
   * AU12 lifts and widens it, AU9 pulls it up with the nose, AU15 lets it
   * fall a little. */
  { RIG_CHEEK, MIEN_AU12, 0.02f, -0.06f },
  { RIG_CHEEK, MIEN_AU6, 0.0f, -0.09f },
  { RIG_CHEEK, MIEN_AU9, 0.0f, -0.03f },
  { RIG_CHEEK, MIEN_AU15, 0.0f, 0.02f },

  /* The upper lip: AU10 raises it (levator labii superioris), AU9 with the
   * nose; AU17 pushes it up from below; AU23 tightens it down onto the
   * teeth; AU20 stretches it thin. The inner edge follows; AU25 parts it
   * from the lower lip. */
  { RIG_UPPER_LIP_OUTER, MIEN_AU9, 0.0f, -0.035f },
  { RIG_UPPER_LIP_OUTER, MIEN_AU10, 0.0f, -0.09f },
  { RIG_UPPER_LIP_OUTER, MIEN_AU17, 0.0f, -0.015f },
  { RIG_UPPER_LIP_OUTER, MIEN_AU23, 0.0f, 0.025f },
  { RIG_UPPER_LIP_OUTER, MIEN_AU20, 0.0f, 0.01f },
  { RIG_UPPER_LIP_OUTER, MIEN_AU18, 0.0f, -0.02f }, /* pushed out, rounder */
  { RIG_UPPER_LIP_OUTER, MIEN_AU22, 0.0f, -0.03f }, /* flared up */
  { RIG_UPPER_LIP_OUTER, MIEN_AU24, 0.0f, 0.03f },  /* pressed thin */
  { RIG_UPPER_LIP_OUTER, MIEN_AU27, 0.0f, -0.01f },
  { RIG_UPPER_LIP_INNER, MIEN_AU9, 0.0f, -0.03f },
  { RIG_UPPER_LIP_INNER, MIEN_AU10, 0.0f, -0.085f },
  { RIG_UPPER_LIP_INNER, MIEN_AU25, 0.0f, -0.015f },
  { RIG_UPPER_LIP_INNER, MIEN_AU22, 0.0f, -0.04f },
  { RIG_UPPER_LIP_INNER, MIEN_AU24, 0.0f, 0.01f },
  { RIG_UPPER_LIP_INNER, MIEN_AU27, 0.0f, -0.02f },

  /* The lower lip: AU17 (mentalis) pushes it up, AU23 tightens it up,
   * AU25 parts it down, AU20 stretches it thin. */
  { RIG_LOWER_LIP_OUTER, MIEN_AU17, 0.0f, -0.05f },
  { RIG_LOWER_LIP_OUTER, MIEN_AU23, 0.0f, -0.025f },
  { RIG_LOWER_LIP_OUTER, MIEN_AU25, 0.0f, 0.06f },
  { RIG_LOWER_LIP_OUTER, MIEN_AU20, 0.0f, -0.01f },
  { RIG_LOWER_LIP_OUTER, MIEN_AU18, 0.0f, 0.02f },
  { RIG_LOWER_LIP_OUTER, MIEN_AU22, 0.0f, 0.03f },
  { RIG_LOWER_LIP_OUTER, MIEN_AU24, 0.0f, -0.03f },
  { RIG_LOWER_LIP_OUTER, MIEN_AU27, 0.0f, 0.04f },
  { RIG_LOWER_LIP_INNER, MIEN_AU17, 0.0f, -0.045f },
  { RIG_LOWER_LIP_INNER, MIEN_AU25, 0.0f, 0.07f },
  { RIG_LOWER_LIP_INNER, MIEN_AU20, 0.0f, -0.01f },
  { RIG_LOWER_LIP_INNER, MIEN_AU22, 0.0f, 0.05f },
  { RIG_LOWER_LIP_INNER, MIEN_AU24, 0.0f, -0.01f },
  { RIG_LOWER_LIP_INNER, MIEN_AU27, 0.0f, 0.04f },

  /* Sideways moves of the lips' side points: AU23 narrows, AU20 widens the
   * lower inner lip. */
  { RIG_LIP_NEAR_IN, MIEN_AU23, -0.025f, 0.0f },
  { RIG_LIP_NEAR_IN, MIEN_AU22, -0.03f, 0.0f },
  { RIG_INNER_LOWER_OUT, MIEN_AU20, 0.06f, 0.0f },

  /* The jaw's opening (a share of it moves each lower-lip point, below). */
  { RIG_JAW_OPEN, MIEN_AU26, 0.0f, 1.0f },
  { RIG_JAW_OPEN, MIEN_AU27, 0.0f, 1.1f },

  /* The nose: AU9 (nose wrinkler) lifts the nose's lower half and flares
   * the wings; AU10 lifts the base with the upper lip. */
  { RIG_NOSE_BRIDGE_LOW, MIEN_AU9, 0.0f, -0.01f },
  { RIG_NOSE_TIP, MIEN_AU9, 0.0f, -0.02f },
  { RIG_NOSE_BASE, MIEN_AU9, 0.0f, -0.035f },
  { RIG_NOSE_BASE, MIEN_AU10, 0.0f, -0.01f },
  { RIG_NOSTRIL_WING, MIEN_AU9, 0.01f, -0.05f },
  { RIG_NOSTRIL_WING, MIEN_AU10, 0.0f, -0.02f },
  { RIG_NOSTRIL, MIEN_AU9, 0.0f, -0.045f },
  { RIG_NOSTRIL, MIEN_AU10, 0.0f, -0.015f },
};
const int rig_n_pulls = N_OF (rig_pulls);

/* ---- which landmarks take which share ------------------------------------ */

/* The corner moves fully, its neighbours on both lips partly. */
static const rig_point_move corner_points[] = {
  { { 48, 54 }, RIG_LIP_CORNER, 1.0f, RIG_LIP_CORNER, 1.0f },
  { { 60, 64 }, RIG_LIP_CORNER, 1.0f, RIG_LIP_CORNER, 1.0f },
  { { 49, 53 }, RIG_LIP_CORNER, 0.5f, RIG_LIP_CORNER, 0.6f },
  { { 59, 55 }, RIG_LIP_CORNER, 0.5f, RIG_LIP_CORNER, 0.5f },
  { { 61, 63 }, RIG_LIP_CORNER, 0.35f, RIG_LIP_CORNER, 0.4f },
  { { 67, 65 }, RIG_LIP_CORNER, 0.35f, RIG_LIP_CORNER, 0.4f },
  { { 50, 52 }, RIG_LIP_CORNER, 0.2f, RIG_LIP_CORNER, 0.25f },
  { { 58, 56 }, RIG_LIP_CORNER, 0.2f, RIG_LIP_CORNER, 0.25f },
};
const rig_point_moves rig_corner_points = { corner_points, N_OF (corner_points) };

/* The lips' midline edges move fully; the points beside them partly. */
static const rig_point_move lip_points[] = {
  { { 51, -1 }, RIG_NONE, 0.0f, RIG_UPPER_LIP_OUTER, 1.0f },
  { { 62, -1 }, RIG_NONE, 0.0f, RIG_UPPER_LIP_INNER, 1.0f },
  { { 57, -1 }, RIG_NONE, 0.0f, RIG_LOWER_LIP_OUTER, 1.0f },
  { { 66, -1 }, RIG_NONE, 0.0f, RIG_LOWER_LIP_INNER, 1.0f },
  { { 50, 52 }, RIG_NONE, 0.0f, RIG_UPPER_LIP_OUTER, 0.95f },
  { { 49, 53 }, RIG_LIP_NEAR_IN, 1.0f, RIG_UPPER_LIP_OUTER, 0.65f },
  { { 61, 63 }, RIG_NONE, 0.0f, RIG_UPPER_LIP_INNER, 0.95f },
  { { 58, 56 }, RIG_NONE, 0.0f, RIG_LOWER_LIP_OUTER, 1.0f },
  { { 59, 55 }, RIG_LIP_NEAR_IN, 1.0f, RIG_LOWER_LIP_OUTER, 0.75f },
  { { 67, 65 }, RIG_INNER_LOWER_OUT, 1.0f, RIG_LOWER_LIP_INNER, 0.85f },
};
const rig_point_moves rig_lip_points = { lip_points, N_OF (lip_points) };

/* The lower lip rides on the jaw: iod down at full opening. */
static const rig_point_move jaw_lip_points[] = {
  { { 57, -1 }, RIG_NONE, 0.0f, RIG_JAW_OPEN, 0.26f },
  { { 66, -1 }, RIG_NONE, 0.0f, RIG_JAW_OPEN, 0.27f },
  { { 58, 56 }, RIG_NONE, 0.0f, RIG_JAW_OPEN, 0.25f },
  { { 59, 55 }, RIG_NONE, 0.0f, RIG_JAW_OPEN, 0.20f },
  { { 67, 65 }, RIG_NONE, 0.0f, RIG_JAW_OPEN, 0.25f },
};
const rig_point_moves rig_jaw_lip_points = { jaw_lip_points, N_OF (jaw_lip_points) };

static const rig_point_move nose_points[] = {
  { { 29, -1 }, RIG_NONE, 0.0f, RIG_NOSE_BRIDGE_LOW, 1.0f },
  { { 30, -1 }, RIG_NONE, 0.0f, RIG_NOSE_TIP, 1.0f },
  { { 33, -1 }, RIG_NONE, 0.0f, RIG_NOSE_BASE, 1.0f },
  { { 31, 35 }, RIG_NOSTRIL_WING, 1.0f, RIG_NOSTRIL_WING, 1.0f },
  { { 32, 34 }, RIG_NONE, 0.0f, RIG_NOSTRIL, 1.0f },
};
const rig_point_moves rig_nose_points = { nose_points, N_OF (nose_points) };

/* The cheek's apple below the eye and its side further out and up. */
const rig_cheek_point rig_cheek_points[N_CHEEK] = {
  { 0.05f, 0.55f, 1.0f, 1.0f },
  { 0.30f, 0.42f, 1.0f, 0.8f },
};

/* Beside the lip corner: level with it, above and below it, a little
 * further out; out and down from the corner (48, 54). */
const rig_cheek_point rig_corner_skin_points[N_CORNER_SKIN] = {
  { 0.18f, 0.0f, 1.0f, 1.0f },
  { 0.12f, -0.15f, 0.6f, 0.6f },
  { 0.12f, 0.15f, 0.6f, 0.6f },
};

/* ---- profiles -------------------------------------------------------------- */

/* The brows, outer end (k = 0) to inner: AU1 (frontalis, medial part)
 * lifts the inner end, AU2 (frontalis, lateral part) the outer; AU4
 * (corrugator, depressor supercilii) lowers the brow and draws its inner
 * end in; AU9 (with procerus) drags the inner end down a little, AU6
 * (orbicularis oculi) the outer end. */
const rig_brow_pull rig_brow_pulls[] = {
  { MIEN_AU1, { 0 }, { -0.02f, -0.05f, -0.10f, -0.15f, -0.19f } },
  { MIEN_AU2, { 0 }, { -0.18f, -0.17f, -0.12f, -0.06f, -0.02f } },
  { MIEN_AU4, { 0.0f, -0.01f, -0.03f, -0.05f, -0.07f },
    { 0.03f, 0.06f, 0.08f, 0.10f, 0.11f } },
  { MIEN_AU9, { 0 }, { 0.0f, 0.0f, 0.0f, 0.03f, 0.03f } },
  { MIEN_AU6, { 0 }, { 0.02f, 0.0f, 0.0f, 0.0f, 0.0f } },
};
const int rig_n_brow_pulls = N_OF (rig_brow_pulls);

/* The jaw line, chin (k = 0) to ear: AU26 rotates the mandible about the
 * ears, so the chin drops most; AU17 (mentalis) pushes the chin up. */
const rig_jaw_pull rig_jaw_pulls[] = {
  { MIEN_AU26, { 0.30f, 0.28f, 0.23f, 0.16f, 0.09f, 0.04f, 0.01f, 0.0f, 0.0f } },
  { MIEN_AU17, { -0.06f, -0.05f, -0.03f, -0.01f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f } },
  { MIEN_AU27, { 0.33f, 0.31f, 0.25f, 0.18f, 0.10f, 0.04f, 0.01f, 0.0f, 0.0f } },
};
const int rig_n_jaw_pulls = N_OF (rig_jaw_pulls);

/* ---- lids and seal ----------------------------------------------------------- */

/* AU45 closes the eye (the upper lid meets the lower); AU5 (levator
 * palpebrae) raises the upper lid by half the opening; AU6 and AU7
 * (orbicularis oculi) raise the lower lid, AU7 also lowers the upper. */
const rig_lid_pull rig_lid_pulls[] = {
  { RIG_LID_CLOSURE, MIEN_AU45, 1.0f },
  /* AU43 (eyes closed, held) looks like AU45 in a still; a clip holds it.
   * Together they still close the eye once (rig-eyelids.c clamps). */
  { RIG_LID_CLOSURE, MIEN_AU43, 1.0f },
  { RIG_LID_RAISE, MIEN_AU5, 0.5f },
  { RIG_LID_LOWER_UP, MIEN_AU6, 0.25f },
  { RIG_LID_LOWER_UP, MIEN_AU7, 0.3f },
  { RIG_LID_UPPER_DOWN, MIEN_AU7, 0.15f },
};
const int rig_n_lid_pulls = N_OF (rig_lid_pulls);

/* AU23 (orbicularis oris) tightens the lips together, AU17 pushes the lower
 * lip up against the upper, AU24 presses the lips together: each seals a
 * mouth the photo shows open. Parting the lips (AU25) or dropping the jaw
 * (AU26, AU27) opens it instead. */
const mien_au_channel rig_seal_press[] = { MIEN_AU23, MIEN_AU17, MIEN_AU24 };
const int rig_n_seal_press = N_OF (rig_seal_press);
const mien_au_channel rig_seal_open[] = { MIEN_AU25, MIEN_AU26, MIEN_AU27 };
const int rig_n_seal_open = N_OF (rig_seal_open);

/* ---- head pose ------------------------------------------------------------ */

/* The generic 3-D face: the 68 points of the iBUG scheme in iod, origin
 * between the eye centres, x to the image's right, y down, z towards the
 * camera (depth 0 at the eye centres); read by rig-pose.c as the depth
 * proxy and by scripts/pose-accuracy.py for the PnP.
 *
 * Source: built here, from measurements, by scripts/face-shape-sfm.py:
 * face-api's 68 landmarks (mien-faces) on the 21 faces of the sample
 * photos (data/samples: face-api's demo photos, MIT, and the astronaut,
 * public domain), each also mirrored, factorized as structure from motion
 * under weak perspective (alternating least squares: each view's scaled
 * rotation, then each point; RMS reprojection 0.05 iod over 42 views whose
 * yaw spans -30 to +30 degrees), then mirrored and averaged to be
 * symmetric. "Frontal" is the views' mean viewing direction. Licence: the
 * project's (GPL-3.0-or-later); no third-party model's numbers are in it.
 * Known weakness: the views vary little in pitch, so depth against height
 * is the least certain part: the chin (8) comes out 0.54 iod behind the
 * eyes, where anthropometric norms put the soft-tissue chin about level
 * with them. */
const float rig_face_shape[MIEN_N_LANDMARKS][3] = {
  { -1.178f, -0.080f, -0.896f }, /*  0 */
  { -1.166f,  0.221f, -0.897f }, /*  1 */
  { -1.114f,  0.498f, -0.944f }, /*  2 */
  { -1.043f,  0.747f, -1.011f }, /*  3 */
  { -0.921f,  1.022f, -1.034f }, /*  4 */
  { -0.751f,  1.259f, -0.968f }, /*  5 */
  { -0.560f,  1.445f, -0.801f }, /*  6 */
  { -0.332f,  1.639f, -0.593f }, /*  7 */
  {  0.000f,  1.746f, -0.539f }, /*  8 */
  {  0.332f,  1.639f, -0.593f }, /*  9 */
  {  0.560f,  1.445f, -0.801f }, /* 10 */
  {  0.751f,  1.259f, -0.968f }, /* 11 */
  {  0.921f,  1.022f, -1.034f }, /* 12 */
  {  1.043f,  0.747f, -1.011f }, /* 13 */
  {  1.114f,  0.498f, -0.944f }, /* 14 */
  {  1.166f,  0.221f, -0.897f }, /* 15 */
  {  1.178f, -0.080f, -0.896f }, /* 16 */
  { -0.922f, -0.280f, -0.140f }, /* 17 */
  { -0.783f, -0.356f,  0.047f }, /* 18 */
  { -0.598f, -0.364f,  0.183f }, /* 19 */
  { -0.428f, -0.328f,  0.269f }, /* 20 */
  { -0.275f, -0.263f,  0.317f }, /* 21 */
  {  0.275f, -0.263f,  0.317f }, /* 22 */
  {  0.428f, -0.328f,  0.269f }, /* 23 */
  {  0.598f, -0.364f,  0.183f }, /* 24 */
  {  0.783f, -0.356f,  0.047f }, /* 25 */
  {  0.922f, -0.280f, -0.140f }, /* 26 */
  {  0.000f,  0.071f,  0.289f }, /* 27 */
  {  0.000f,  0.299f,  0.392f }, /* 28 */
  {  0.000f,  0.512f,  0.514f }, /* 29 */
  {  0.000f,  0.698f,  0.540f }, /* 30 */
  { -0.201f,  0.744f,  0.152f }, /* 31 */
  { -0.110f,  0.783f,  0.218f }, /* 32 */
  {  0.000f,  0.814f,  0.248f }, /* 33 */
  {  0.110f,  0.783f,  0.218f }, /* 34 */
  {  0.201f,  0.744f,  0.152f }, /* 35 */
  { -0.690f, -0.019f, -0.094f }, /* 36 */
  { -0.586f, -0.059f,  0.031f }, /* 37 */
  { -0.428f, -0.060f,  0.040f }, /* 38 */
  { -0.297f,  0.022f,  0.015f }, /* 39 */
  { -0.420f,  0.062f,  0.023f }, /* 40 */
  { -0.579f,  0.054f, -0.015f }, /* 41 */
  {  0.297f,  0.022f,  0.015f }, /* 42 */
  {  0.428f, -0.060f,  0.040f }, /* 43 */
  {  0.586f, -0.059f,  0.031f }, /* 44 */
  {  0.690f, -0.019f, -0.094f }, /* 45 */
  {  0.579f,  0.054f, -0.015f }, /* 46 */
  {  0.420f,  0.062f,  0.023f }, /* 47 */
  { -0.443f,  1.022f, -0.266f }, /* 48 */
  { -0.288f,  0.998f,  0.009f }, /* 49 */
  { -0.100f,  0.971f,  0.165f }, /* 50 */
  {  0.000f,  0.993f,  0.171f }, /* 51 */
  {  0.100f,  0.971f,  0.165f }, /* 52 */
  {  0.288f,  0.998f,  0.009f }, /* 53 */
  {  0.443f,  1.022f, -0.266f }, /* 54 */
  {  0.282f,  1.203f, -0.139f }, /* 55 */
  {  0.139f,  1.289f, -0.066f }, /* 56 */
  {  0.000f,  1.315f, -0.039f }, /* 57 */
  { -0.139f,  1.289f, -0.066f }, /* 58 */
  { -0.282f,  1.203f, -0.139f }, /* 59 */
  { -0.403f,  1.027f, -0.253f }, /* 60 */
  { -0.133f,  1.056f,  0.055f }, /* 61 */
  {  0.000f,  1.063f,  0.092f }, /* 62 */
  {  0.133f,  1.056f,  0.055f }, /* 63 */
  {  0.403f,  1.027f, -0.253f }, /* 64 */
  {  0.128f,  1.152f, -0.031f }, /* 65 */
  {  0.000f,  1.168f, -0.002f }, /* 66 */
  { -0.128f,  1.152f, -0.031f }, /* 67 */
};
