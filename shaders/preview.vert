// SPDX-License-Identifier: GPL-3.0-or-later
// The photo as one quad. `photo_rect` maps the unit square to clip space
// (zoom and pan are applied on the CPU, which keeps the shader trivial).
// The #version line is prepended at run time (desktop GL or GLES).
in vec2 position;
out vec2 photo_uv;
uniform vec4 photo_rect; // x0, y0, x1, y1 in clip space
void main () {
  photo_uv = position;
  vec2 clip = mix (photo_rect.xy, photo_rect.zw, position);
  gl_Position = vec4 (clip, 0.0, 1.0);
}
