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
  { RIG_LIP_CORNER, MIEN_AU18, -0.10f, 0.0f },
  /* AU22 (orbicularis oris) funnels the lips: the corners come in, the
   * lips flare apart into a round opening. AU24 presses them together and
   * draws the corners in a little. AU27 (pterygoids, digastric) stretches
   * the mouth open into a tall oval: the corners go down and in. The fold
   * guard caps any jaw drop near AU26's at 5 (the chin would fold into the
   * neck), so AU27 opens about as far and differs by the narrowed oval. */
  { RIG_LIP_CORNER, MIEN_AU22, -0.12f, 0.0f },
  { RIG_LIP_CORNER, MIEN_AU24, -0.03f, 0.0f },
  { RIG_LIP_CORNER, MIEN_AU27, -0.10f, 0.08f },

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
