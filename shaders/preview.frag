// SPDX-License-Identifier: GPL-3.0-or-later
// Shows the photo, with the animated face crop over it. The crop holds the
// results of both ResWarp modes, so the compare views need no re-render:
//   view 0: result (mode A)          view 1: split, A left of the divider, B right
//   view 2: difference heat map |A - photo|        view 3: before (the photo)
in vec2 photo_uv;
in vec2 tile_uv;
out vec4 color;
uniform sampler2D photo;   // this quad's tile of the photo (tile_uv)
uniform sampler2D result_a;
uniform sampler2D result_b;
uniform vec4 crop_rect;    // x0, y0, x1, y1 in photo uv; empty when none
uniform int view;
uniform float divider;     // split position in photo uv x
uniform float diff_gain;
uniform float divider_half_width; // in photo uv: 1.5 screen pixels

vec3 heat (float t) {
  // Black → red → yellow → white: small differences stay visible.
  t = clamp (t, 0.0, 1.0);
  return clamp (vec3 (3.0 * t, 3.0 * t - 1.0, 3.0 * t - 2.0), 0.0, 1.0);
}

void main () {
  vec3 base = texture (photo, tile_uv).rgb;
  vec3 rgb = base;
  bool in_crop = photo_uv.x >= crop_rect.x && photo_uv.x <= crop_rect.z
                 && photo_uv.y >= crop_rect.y && photo_uv.y <= crop_rect.w;
  if (in_crop && view != 3) {
    vec2 uv = (photo_uv - crop_rect.xy) / (crop_rect.zw - crop_rect.xy);
    vec3 a = texture (result_a, uv).rgb;
    vec3 b = texture (result_b, uv).rgb;
    if (view == 0)
      rgb = a;
    else if (view == 1)
      rgb = photo_uv.x < divider ? a : b;
    else if (view == 2)
      rgb = heat (diff_gain * length (a - base));
  } else if (view == 2) {
    rgb = vec3 (0.0);
  }
  if (view == 1 && abs (photo_uv.x - divider) < divider_half_width)
    rgb = vec3 (1.0);
  color = vec4 (rgb, 1.0);
}
