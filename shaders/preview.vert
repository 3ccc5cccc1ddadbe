// SPDX-License-Identifier: GPL-3.0-or-later
// One tile of the photo as a quad (app/mien-photo-tiles.h). `photo_rect`
// maps the photo's unit square to clip space (zoom and pan are applied on
// the CPU, which keeps the shader trivial); `tile_rect` is the part of the
// photo this quad covers and `tile_tex` where the tile's texture (the tile
// and a one-pixel border) lies, both in photo uv.
// The #version line is prepended at run time (desktop GL or GLES).
in vec2 position;
out vec2 photo_uv;
out vec2 tile_uv;
uniform vec4 photo_rect; // x0, y0, x1, y1 in clip space
uniform vec4 tile_rect;  // x0, y0, x1, y1 in photo uv
uniform vec4 tile_tex;   // x0, y0, x1, y1 in photo uv
void main () {
  photo_uv = mix (tile_rect.xy, tile_rect.zw, position);
  tile_uv = (photo_uv - tile_tex.xy) / (tile_tex.zw - tile_tex.xy);
  vec2 clip = mix (photo_rect.xy, photo_rect.zw, photo_uv);
  gl_Position = vec4 (clip, 0.0, 1.0);
}
