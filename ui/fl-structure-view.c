/* FlStructureView: GtkGLArea showing a cartoon coloured by pLDDT. */
#include "fl-structure-view.h"
#include "fl-view-mesh.h"
#include "fl-template-mesh.h"
#include "fl-colors.h"
#include <epoxy/gl.h>
#include <math.h>
#include <string.h>

#define COLOR_TEX_WIDTH 1024
#define FOV_Y_DEG 30.0
#define PICK_RADIUS 2.2f

/* Alpha channel of the colour texture: how a residue is emphasised. */
#define EMPH_NONE 255
#define EMPH_HOVER 150
#define EMPH_SELECTED 40

struct _FlStructureView {
  GtkGLArea parent_instance;

  FlFrame *frame;
  char *sequence;
  int L;
  FlViewMesh *cartoon;
  FlViewMesh *sticks;
  FlViewMesh *templates;   /* superposed template CA traces (lines), or NULL */
  float *template_ca;      /* (n_templates, template_L, 3) in query numbering */
  float *template_mask;    /* (n_templates, template_L) */
  int n_templates, template_L;
  gboolean show_side_chains;
  FlColorScale color_scale;
  int highlight[2];
  int ranges[4];   /* selected residue ranges: [0..1], [2..3]; -1 none */
  int hovered;
  int selected;
  double last_build_ms;
  guint64 n_draws;
  char renderer[128];

  /* Camera: model -> view = T(pan, -distance) * R * T(-center). */
  float rot[9];          /* row-major 3x3 rotation */
  float center[3];
  float radius;          /* fitted radius of the structure */
  float zoom;            /* distance multiplier (1 = fit) */
  float pan[2];          /* view-space offset, Å */
  double drag_last_x, drag_last_y;
  gboolean drag_moved;
  double pinch_last;

  /* GL state (valid between realize and unrealize). */
  gboolean gl_ready;
  GLuint program;
  GLint u_mv, u_proj, u_nmat, u_colors, u_color_width, u_fog_color, u_fog_range, u_light, u_lighten;
  GLint u_flat;
  /* meshes: [0] cartoon, [1] side chains, [2] templates (GL_LINES) */
  GLuint vao[3], vbo[3], ibo[3];
  GLsizei n_index[3];
  gboolean mesh_dirty[3];
  GLuint color_tex;
  int color_tex_rows;
  gboolean colors_dirty;
  float background[3];       /* clear and fog colour */
};

G_DEFINE_FINAL_TYPE (FlStructureView, fl_structure_view, GTK_TYPE_GL_AREA)

enum { SIGNAL_RESIDUE_HOVERED, SIGNAL_RESIDUE_SELECTED, N_SIGNALS };
static guint signals[N_SIGNALS];


/* ---------------------------------------------------------------- maths */

typedef struct { float m[16]; } Mat4;   /* column-major, as GL wants */

static Mat4
mat4_identity (void)
{
  Mat4 r = { { 0 } };
  r.m[0] = r.m[5] = r.m[10] = r.m[15] = 1.f;
  return r;
}

static Mat4
mat4_frustum (float l, float r, float b, float t, float n, float f)
{
  Mat4 p = { { 0 } };
  p.m[0] = 2 * n / (r - l);
  p.m[5] = 2 * n / (t - b);
  p.m[8] = (r + l) / (r - l);
  p.m[9] = (t + b) / (t - b);
  p.m[10] = -(f + n) / (f - n);
  p.m[11] = -1.f;
  p.m[14] = -2 * f * n / (f - n);
  return p;
}

static void
rot_multiply (const float *a, const float *b, float *out)   /* 3x3 row-major: out = a b */
{
  float r[9];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      r[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
  memcpy (out, r, sizeof r);
}

static void
rot_axis_angle (const float axis[3], float radians, float *out)
{
  float c = cosf (radians), s = sinf (radians), t = 1 - c;
  float x = axis[0], y = axis[1], z = axis[2];
  float r[9] = {
    t * x * x + c,     t * x * y - s * z, t * x * z + s * y,
    t * x * y + s * z, t * y * y + c,     t * y * z - s * x,
    t * x * z - s * y, t * y * z + s * x, t * z * z + c,
  };
  memcpy (out, r, sizeof r);
}

static void
rot_orthonormalize (float *r)
{
  /* Gram-Schmidt on the rows, so long orbits do not drift. */
  float *a = r, *b = r + 3, *c = r + 6;
  float n = sqrtf (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
  for (int k = 0; k < 3; k++) a[k] /= n;
  float d = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  for (int k = 0; k < 3; k++) b[k] -= d * a[k];
  n = sqrtf (b[0] * b[0] + b[1] * b[1] + b[2] * b[2]);
  for (int k = 0; k < 3; k++) b[k] /= n;
  c[0] = a[1] * b[2] - a[2] * b[1];
  c[1] = a[2] * b[0] - a[0] * b[2];
  c[2] = a[0] * b[1] - a[1] * b[0];
}

static float
camera_distance (FlStructureView *self)
{
  float half = (float) (FOV_Y_DEG * G_PI / 360.0);
  return self->radius * self->zoom / sinf (half);
}

static Mat4
model_view (FlStructureView *self)
{
  Mat4 mv = mat4_identity ();
  const float *R = self->rot;
  float d = camera_distance (self);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      mv.m[j * 4 + i] = R[i * 3 + j];
  for (int i = 0; i < 3; i++)
    mv.m[12 + i] = -(R[i * 3] * self->center[0] + R[i * 3 + 1] * self->center[1] + R[i * 3 + 2] * self->center[2]);
  mv.m[12] += self->pan[0];
  mv.m[13] += self->pan[1];
  mv.m[14] -= d;
  return mv;
}

static void
clip_planes (FlStructureView *self, float *n, float *f)
{
  float d = camera_distance (self);
  *n = MAX (d - 2.5f * self->radius, 0.5f);
  *f = d + 2.5f * self->radius;
}

/* ------------------------------------------------------------- colours */

static void
plddt_rgb (float plddt, FlColorScale scale, float *rgb)
{
  if (scale == FL_COLOR_SCALE_CONTINUOUS)
    fl_color_plddt_continuous (plddt, rgb);
  else
    fl_color_plddt_band (plddt, rgb);
}

static void
upload_colors (FlStructureView *self)
{
  int L = MAX (self->L, 1);
  int rows = (L + COLOR_TEX_WIDTH - 1) / COLOR_TEX_WIDTH;
  g_autofree guint8 *texels = g_new0 (guint8, (gsize) rows * COLOR_TEX_WIDTH * 4);
  for (int i = 0; i < self->L; i++)
    {
      float rgb[3] = { 0.6f, 0.6f, 0.6f };
      plddt_rgb (self->frame->plddt[i], self->color_scale, rgb);
      guint8 *t = texels + (gsize) i * 4;
      for (int c = 0; c < 3; c++)
        t[c] = (guint8) lrintf (CLAMP (rgb[c], 0.f, 1.f) * 255.f);
      t[3] = EMPH_NONE;
      if (i == self->highlight[0] || i == self->highlight[1] || i == self->hovered)
        t[3] = EMPH_HOVER;
      if (fl_structure_view_is_selected (self, i))
        t[3] = EMPH_SELECTED;
    }
  glBindTexture (GL_TEXTURE_2D, self->color_tex);
  glPixelStorei (GL_UNPACK_ALIGNMENT, 1);
  if (rows != self->color_tex_rows)
    {
      glTexImage2D (GL_TEXTURE_2D, 0, GL_RGBA8, COLOR_TEX_WIDTH, rows, 0,
                    GL_RGBA, GL_UNSIGNED_BYTE, texels);
      self->color_tex_rows = rows;
    }
  else
    glTexSubImage2D (GL_TEXTURE_2D, 0, 0, 0, COLOR_TEX_WIDTH, rows, GL_RGBA,
                     GL_UNSIGNED_BYTE, texels);
  self->colors_dirty = FALSE;
}

static void
colors_changed (FlStructureView *self)
{
  self->colors_dirty = TRUE;
  gtk_gl_area_queue_render (GTK_GL_AREA (self));
}

/* --------------------------------------------------------------- shaders */

static const char *vertex_src =
  "#version 330 core\n"
  "layout(location = 0) in vec3 a_pos;\n"
  "layout(location = 1) in vec3 a_normal;\n"
  "layout(location = 2) in float a_residue;\n"
  "uniform mat4 u_mv;\n"
  "uniform mat4 u_proj;\n"
  "uniform mat3 u_nmat;\n"
  "uniform sampler2D u_colors;\n"
  "uniform int u_color_width;\n"
  "uniform int u_flat;\n"
  "out vec3 v_pos;\n"
  "out vec3 v_normal;\n"
  "flat out vec4 v_color;\n"
  "void main () {\n"
  "  vec4 p = u_mv * vec4 (a_pos, 1.0);\n"
  "  v_pos = p.xyz;\n"
  "  v_normal = u_nmat * a_normal;\n"
  "  int r = int (a_residue + 0.5);\n"
  "  v_color = texelFetch (u_colors, ivec2 (r % u_color_width, r / u_color_width), 0);\n"
  "  if (u_flat != 0) v_color = vec4 (0.55, 0.55, 0.55, 1.0);\n"
  "  gl_Position = u_proj * p;\n"
  "}\n";

static const char *fragment_src =
  "#version 330 core\n"
  "in vec3 v_pos;\n"
  "in vec3 v_normal;\n"
  "flat in vec4 v_color;\n"
  "uniform vec3 u_fog_color;\n"
  "uniform vec2 u_fog_range;\n"
  "uniform vec3 u_light;\n"
  "uniform float u_lighten;\n"
  "uniform int u_flat;\n"
  "out vec4 frag_color;\n"
  "void main () {\n"
  "  if (u_flat != 0) {\n"
  "    float f = clamp ((-v_pos.z - u_fog_range.x) / (u_fog_range.y - u_fog_range.x), 0.0, 1.0);\n"
  "    frag_color = vec4 (mix (v_color.rgb, u_fog_color, 0.8 * f), 1.0);\n"
  "    return;\n"
  "  }\n"
  "  vec3 n = normalize (v_normal);\n"
  "  if (!gl_FrontFacing) n = -n;\n"
  "  vec3 base = mix (v_color.rgb, vec3 (1.0), u_lighten);\n"
  "  float e = v_color.a;\n"
  "  if (e < 0.3) base = mix (base, vec3 (0.95, 0.1, 0.75), 0.65);\n"
  "  else if (e < 0.9) base = mix (base, vec3 (0.1, 0.85, 0.25), 0.75);\n"
  "  vec3 v = normalize (-v_pos);\n"
  "  float diff = max (dot (n, u_light), 0.0);\n"
  "  float spec = pow (max (dot (n, normalize (u_light + v)), 0.0), 40.0);\n"
  "  vec3 c = base * (0.32 + 0.68 * diff) + vec3 (0.22 * spec);\n"
  "  float fog = clamp ((-v_pos.z - u_fog_range.x) / (u_fog_range.y - u_fog_range.x), 0.0, 1.0);\n"
  "  frag_color = vec4 (mix (c, u_fog_color, 0.8 * fog), 1.0);\n"
  "}\n";

static GLuint
compile_shader (GLenum type, const char *src, GError **error)
{
  GLuint sh = glCreateShader (type);
  glShaderSource (sh, 1, &src, NULL);
  glCompileShader (sh);
  GLint ok = 0;
  glGetShaderiv (sh, GL_COMPILE_STATUS, &ok);
  if (!ok)
    {
      char log[2048] = "";
      glGetShaderInfoLog (sh, sizeof log, NULL, log);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "GL shader does not compile: %s", log);
      glDeleteShader (sh);
      return 0;
    }
  return sh;
}

static gboolean
build_program (FlStructureView *self, GError **error)
{
  GLuint vs = compile_shader (GL_VERTEX_SHADER, vertex_src, error);
  if (!vs)
    return FALSE;
  GLuint fs = compile_shader (GL_FRAGMENT_SHADER, fragment_src, error);
  if (!fs)
    {
      glDeleteShader (vs);
      return FALSE;
    }
  GLuint p = glCreateProgram ();
  glAttachShader (p, vs);
  glAttachShader (p, fs);
  glLinkProgram (p);
  glDeleteShader (vs);
  glDeleteShader (fs);
  GLint ok = 0;
  glGetProgramiv (p, GL_LINK_STATUS, &ok);
  if (!ok)
    {
      char log[2048] = "";
      glGetProgramInfoLog (p, sizeof log, NULL, log);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "GL program does not link: %s", log);
      glDeleteProgram (p);
      return FALSE;
    }
  self->program = p;
  self->u_mv = glGetUniformLocation (p, "u_mv");
  self->u_proj = glGetUniformLocation (p, "u_proj");
  self->u_nmat = glGetUniformLocation (p, "u_nmat");
  self->u_colors = glGetUniformLocation (p, "u_colors");
  self->u_color_width = glGetUniformLocation (p, "u_color_width");
  self->u_fog_color = glGetUniformLocation (p, "u_fog_color");
  self->u_fog_range = glGetUniformLocation (p, "u_fog_range");
  self->u_light = glGetUniformLocation (p, "u_light");
  self->u_lighten = glGetUniformLocation (p, "u_lighten");
  self->u_flat = glGetUniformLocation (p, "u_flat");
  return TRUE;
}

/* -------------------------------------------------------------- geometry */

static void
rebuild_geometry (FlStructureView *self)
{
  g_clear_pointer (&self->cartoon, fl_view_mesh_free);
  g_clear_pointer (&self->sticks, fl_view_mesh_free);
  g_clear_pointer (&self->templates, fl_view_mesh_free);
  self->mesh_dirty[2] = TRUE;
  if (!self->frame)
    return;
  gint64 t0 = g_get_monotonic_time ();
  self->cartoon = fl_view_mesh_new_cartoon (self->frame, self->sequence);
  if (self->show_side_chains)
    self->sticks = fl_view_mesh_new_side_chains (self->frame, self->sequence);
  if (self->n_templates > 0)
    self->templates = fl_template_mesh_new (self->frame, self->template_ca, self->template_mask,
                                            self->n_templates, self->template_L);
  self->last_build_ms = (g_get_monotonic_time () - t0) / 1000.0;
  self->mesh_dirty[0] = self->mesh_dirty[1] = TRUE;
}

static void
upload_mesh (FlStructureView *self, int k, const FlViewMesh *mesh)
{
  glBindVertexArray (self->vao[k]);
  glBindBuffer (GL_ARRAY_BUFFER, self->vbo[k]);
  glBindBuffer (GL_ELEMENT_ARRAY_BUFFER, self->ibo[k]);
  if (mesh && mesh->n_indices > 0)
    {
      glBufferData (GL_ARRAY_BUFFER, (GLsizeiptr) (mesh->n_vertices * sizeof (FlViewVertex)),
                    mesh->vertices, GL_DYNAMIC_DRAW);
      glBufferData (GL_ELEMENT_ARRAY_BUFFER, (GLsizeiptr) (mesh->n_indices * sizeof (guint32)),
                    mesh->indices, GL_DYNAMIC_DRAW);
      self->n_index[k] = (GLsizei) mesh->n_indices;
    }
  else
    self->n_index[k] = 0;
  glEnableVertexAttribArray (0);
  glVertexAttribPointer (0, 3, GL_FLOAT, GL_FALSE, sizeof (FlViewVertex),
                         (void *) G_STRUCT_OFFSET (FlViewVertex, position));
  glEnableVertexAttribArray (1);
  glVertexAttribPointer (1, 3, GL_FLOAT, GL_FALSE, sizeof (FlViewVertex),
                         (void *) G_STRUCT_OFFSET (FlViewVertex, normal));
  glEnableVertexAttribArray (2);
  glVertexAttribPointer (2, 1, GL_FLOAT, GL_FALSE, sizeof (FlViewVertex),
                         (void *) G_STRUCT_OFFSET (FlViewVertex, residue));
  glBindVertexArray (0);
  self->mesh_dirty[k] = FALSE;
}

/* --------------------------------------------------------------- drawing */

static void
draw_scene (FlStructureView *self, int width, int height,
            float tile_x0, float tile_x1, float tile_y0, float tile_y1)
{
  glClearColor (self->background[0], self->background[1], self->background[2], 1.f);
  glClear (GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
  if (!self->frame || !self->gl_ready)
    return;
  if (self->mesh_dirty[0])
    upload_mesh (self, 0, self->cartoon);
  if (self->mesh_dirty[1])
    upload_mesh (self, 1, self->sticks);
  if (self->mesh_dirty[2])
    upload_mesh (self, 2, self->templates);
  if (self->colors_dirty)
    upload_colors (self);

  float n, f;
  clip_planes (self, &n, &f);
  float aspect = (float) width / (float) MAX (height, 1);
  float top = n * tanf ((float) (FOV_Y_DEG * G_PI / 360.0));
  float right = top * aspect;
  /* The tile [x0, x1] x [y0, y1] of the whole image in 0..1 units. */
  Mat4 proj = mat4_frustum (-right + 2 * right * tile_x0, -right + 2 * right * tile_x1,
                            -top + 2 * top * tile_y0, -top + 2 * top * tile_y1, n, f);
  Mat4 mv = model_view (self);
  float nmat[9];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      nmat[j * 3 + i] = self->rot[i * 3 + j];   /* column-major copy of R */
  float d = camera_distance (self);
  float light[3] = { 0.35f, 0.45f, 0.82f };
  float ln = sqrtf (light[0] * light[0] + light[1] * light[1] + light[2] * light[2]);
  for (int k = 0; k < 3; k++)
    light[k] /= ln;

  glEnable (GL_DEPTH_TEST);
  glDisable (GL_CULL_FACE);
  glUseProgram (self->program);
  glUniformMatrix4fv (self->u_mv, 1, GL_FALSE, mv.m);
  glUniformMatrix4fv (self->u_proj, 1, GL_FALSE, proj.m);
  glUniformMatrix3fv (self->u_nmat, 1, GL_FALSE, nmat);
  glUniform1i (self->u_colors, 0);
  glUniform1i (self->u_color_width, COLOR_TEX_WIDTH);
  glUniform3fv (self->u_fog_color, 1, self->background);
  glUniform2f (self->u_fog_range, d - 0.3f * self->radius, d + 1.6f * self->radius);
  glUniform3fv (self->u_light, 1, light);
  glActiveTexture (GL_TEXTURE0);
  glBindTexture (GL_TEXTURE_2D, self->color_tex);
  glUniform1i (self->u_flat, 0);
  for (int k = 0; k < 2; k++)
    {
      if (self->n_index[k] == 0 || (k == 1 && !self->show_side_chains))
        continue;
      /* Thin sticks look dark under the same light: lift them a little. */
      glUniform1f (self->u_lighten, k == 1 ? 0.15f : 0.f);
      glBindVertexArray (self->vao[k]);
      glDrawElements (GL_TRIANGLES, self->n_index[k], GL_UNSIGNED_INT, NULL);
    }
  if (self->n_index[2] > 0)
    {
      /* templates: thin grey lines, unlit */
      glUniform1i (self->u_flat, 1);
      glBindVertexArray (self->vao[2]);
      glDrawElements (GL_LINES, self->n_index[2], GL_UNSIGNED_INT, NULL);
      glUniform1i (self->u_flat, 0);
    }
  glBindVertexArray (0);
  glUseProgram (0);
}

static gboolean
fl_structure_view_render (GtkGLArea *area, GdkGLContext *context)
{
  FlStructureView *self = FL_STRUCTURE_VIEW (area);
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (area));
  int w = gtk_widget_get_width (GTK_WIDGET (area)) * scale;
  int h = gtk_widget_get_height (GTK_WIDGET (area)) * scale;
  glViewport (0, 0, w, h);
  draw_scene (self, w, h, 0, 1, 0, 1);
  self->n_draws++;
  return TRUE;
}

static void
fl_structure_view_realize (GtkWidget *widget)
{
  FlStructureView *self = FL_STRUCTURE_VIEW (widget);
  GTK_WIDGET_CLASS (fl_structure_view_parent_class)->realize (widget);
  GtkGLArea *area = GTK_GL_AREA (widget);
  gtk_gl_area_make_current (area);
  if (gtk_gl_area_get_error (area))
    return;
  g_autoptr (GError) error = NULL;
  if (!build_program (self, &error))
    {
      gtk_gl_area_set_error (area, error);
      return;
    }
  const char *r = (const char *) glGetString (GL_RENDERER);
  g_strlcpy (self->renderer, r ? r : "", sizeof self->renderer);
  glGenVertexArrays (3, self->vao);
  glGenBuffers (3, self->vbo);
  glGenBuffers (3, self->ibo);
  glGenTextures (1, &self->color_tex);
  glBindTexture (GL_TEXTURE_2D, self->color_tex);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  self->color_tex_rows = 0;
  self->gl_ready = TRUE;
  self->mesh_dirty[0] = self->mesh_dirty[1] = self->mesh_dirty[2] = TRUE;
  self->colors_dirty = TRUE;
}

static void
fl_structure_view_unrealize (GtkWidget *widget)
{
  FlStructureView *self = FL_STRUCTURE_VIEW (widget);
  GtkGLArea *area = GTK_GL_AREA (widget);
  gtk_gl_area_make_current (area);
  if (self->gl_ready && !gtk_gl_area_get_error (area))
    {
      glDeleteVertexArrays (3, self->vao);
      glDeleteBuffers (3, self->vbo);
      glDeleteBuffers (3, self->ibo);
      glDeleteTextures (1, &self->color_tex);
      glDeleteProgram (self->program);
    }
  memset (self->vao, 0, sizeof self->vao);
  memset (self->vbo, 0, sizeof self->vbo);
  memset (self->ibo, 0, sizeof self->ibo);
  self->color_tex = 0;
  self->program = 0;
  self->gl_ready = FALSE;
  GTK_WIDGET_CLASS (fl_structure_view_parent_class)->unrealize (widget);
}

/* ------------------------------------------------------------ offscreen */

GBytes *
fl_structure_view_render_pixels (FlStructureView *self, int width, int height, GError **error)
{
  g_return_val_if_fail (FL_IS_STRUCTURE_VIEW (self), NULL);
  if (width <= 0 || height <= 0 || (gint64) width * height > (gint64) 1 << 28)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Image size %d × %d is not possible", width, height);
      return NULL;
    }
  GtkGLArea *area = GTK_GL_AREA (self);
  if (!gtk_widget_get_realized (GTK_WIDGET (self)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                   "The 3D view is not on screen yet");
      return NULL;
    }
  gtk_gl_area_make_current (area);
  if (gtk_gl_area_get_error (area) || !self->gl_ready)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "OpenGL is not available: %s",
                   gtk_gl_area_get_error (area) ? gtk_gl_area_get_error (area)->message : "no context");
      return NULL;
    }
  GLint max_rb = 0;
  glGetIntegerv (GL_MAX_RENDERBUFFER_SIZE, &max_rb);
  int tile = MIN (MAX (max_rb, 256), 4096);
  int tw = MIN (width, tile), th = MIN (height, tile);

  GLuint fbo, rb[2];
  glGenFramebuffers (1, &fbo);
  glGenRenderbuffers (2, rb);
  glBindFramebuffer (GL_FRAMEBUFFER, fbo);
  glBindRenderbuffer (GL_RENDERBUFFER, rb[0]);
  glRenderbufferStorage (GL_RENDERBUFFER, GL_RGBA8, tw, th);
  glFramebufferRenderbuffer (GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, rb[0]);
  glBindRenderbuffer (GL_RENDERBUFFER, rb[1]);
  glRenderbufferStorage (GL_RENDERBUFFER, GL_DEPTH_COMPONENT24, tw, th);
  glFramebufferRenderbuffer (GL_FRAMEBUFFER, GL_DEPTH_ATTACHMENT, GL_RENDERBUFFER, rb[1]);
  GBytes *result = NULL;
  if (glCheckFramebufferStatus (GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Offscreen framebuffer is incomplete");
  else
    {
      gsize stride = (gsize) width * 4;
      guint8 *pixels = g_malloc ((gsize) height * stride);
      guint8 *tile_px = g_malloc ((gsize) tw * th * 4);
      for (int y0 = 0; y0 < height; y0 += th)
        for (int x0 = 0; x0 < width; x0 += tw)
          {
            int cw = MIN (tw, width - x0), ch = MIN (th, height - y0);
            glViewport (0, 0, cw, ch);
            /* GL rows go bottom-up: tile y range counted from the bottom. */
            int yb = height - y0 - ch;
            draw_scene (self, width, height, (float) x0 / width, (float) (x0 + cw) / width,
                        (float) yb / height, (float) (yb + ch) / height);
            glPixelStorei (GL_PACK_ALIGNMENT, 1);
            glReadPixels (0, 0, cw, ch, GL_RGBA, GL_UNSIGNED_BYTE, tile_px);
            for (int r = 0; r < ch; r++)
              memcpy (pixels + (gsize) (y0 + r) * stride + (gsize) x0 * 4,
                      tile_px + (gsize) (ch - 1 - r) * cw * 4, (gsize) cw * 4);
          }
      g_free (tile_px);
      result = g_bytes_new_take (pixels, (gsize) height * stride);
    }
  glBindFramebuffer (GL_FRAMEBUFFER, 0);
  glDeleteRenderbuffers (2, rb);
  glDeleteFramebuffers (1, &fbo);
  gtk_gl_area_queue_render (area);
  return result;
}

gboolean
fl_structure_view_export_png (FlStructureView *self, const char *path, int width, int height,
                              GError **error)
{
  g_autoptr (GBytes) px = fl_structure_view_render_pixels (self, width, height, error);
  if (!px)
    return FALSE;
  g_autoptr (GdkTexture) tex = gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8A8,
                                                        px, (gsize) width * 4);
  if (!gdk_texture_save_to_png (tex, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot write the image %s", path);
      return FALSE;
    }
  return TRUE;
}

/* -------------------------------------------------------------- picking */

int
fl_structure_view_pick (FlStructureView *self, double x, double y)
{
  if (!self->frame || self->L == 0)
    return -1;
  int w = gtk_widget_get_width (GTK_WIDGET (self)), h = gtk_widget_get_height (GTK_WIDGET (self));
  if (w <= 0 || h <= 0)
    return -1;
  float tan_half = tanf ((float) (FOV_Y_DEG * G_PI / 360.0));
  float aspect = (float) w / h;
  float dir[3] = { (float) ((2 * x / w - 1) * tan_half * aspect),
                   (float) ((1 - 2 * y / h) * tan_half), -1.f };
  float dn = sqrtf (dir[0] * dir[0] + dir[1] * dir[1] + 1.f);
  for (int k = 0; k < 3; k++)
    dir[k] /= dn;
  Mat4 mv = model_view (self);
  int best = -1;
  float best_t = INFINITY;
  for (int i = 0; i < self->L; i++)
    {
      if (self->frame->atom37_mask[(gsize) i * 37 + 1] < 0.5f)
        continue;
      const float *p = fl_frame_ca (self->frame, i);
      float v[3];
      for (int r = 0; r < 3; r++)
        v[r] = mv.m[r] * p[0] + mv.m[4 + r] * p[1] + mv.m[8 + r] * p[2] + mv.m[12 + r];
      float t = v[0] * dir[0] + v[1] * dir[1] + v[2] * dir[2];
      if (t <= 0)
        continue;
      float d2 = v[0] * v[0] + v[1] * v[1] + v[2] * v[2] - t * t;
      if (d2 > PICK_RADIUS * PICK_RADIUS)
        continue;
      float t_hit = t - sqrtf (PICK_RADIUS * PICK_RADIUS - d2);
      if (t_hit < best_t)
        {
          best_t = t_hit;
          best = i;
        }
    }
  return best;
}

gboolean
fl_structure_view_project (FlStructureView *self, int residue, double *x, double *y)
{
  if (!self->frame || residue < 0 || residue >= self->L
      || self->frame->atom37_mask[(gsize) residue * 37 + 1] < 0.5f)
    return FALSE;
  return fl_structure_view_project_point (self, fl_frame_ca (self->frame, residue), x, y);
}

void
fl_structure_view_set_background (FlStructureView *self, float r, float g, float b)
{
  self->background[0] = r;
  self->background[1] = g;
  self->background[2] = b;
  gtk_gl_area_queue_render (GTK_GL_AREA (self));
}

gboolean
fl_structure_view_project_point (FlStructureView *self, const float p[3], double *x, double *y)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self)), h = gtk_widget_get_height (GTK_WIDGET (self));
  if (w <= 0 || h <= 0)
    return FALSE;
  Mat4 mv = model_view (self);
  float v[3];
  for (int r = 0; r < 3; r++)
    v[r] = mv.m[r] * p[0] + mv.m[4 + r] * p[1] + mv.m[8 + r] * p[2] + mv.m[12 + r];
  if (v[2] >= -1e-3f)
    return FALSE;
  float tan_half = tanf ((float) (FOV_Y_DEG * G_PI / 360.0));
  float aspect = (float) w / h;
  *x = (v[0] / -v[2] / (tan_half * aspect) + 1) * 0.5 * w;
  *y = (1 - v[1] / -v[2] / tan_half) * 0.5 * h;
  return TRUE;
}

/* ---------------------------------------------------------- interaction */

void
fl_structure_view_rotate (FlStructureView *self, double degrees_y, double degrees_x)
{
  static const float ax_y[3] = { 0, 1, 0 }, ax_x[3] = { 1, 0, 0 };
  float r[9];
  rot_axis_angle (ax_y, (float) (degrees_y * G_PI / 180), r);
  rot_multiply (r, self->rot, self->rot);
  rot_axis_angle (ax_x, (float) (degrees_x * G_PI / 180), r);
  rot_multiply (r, self->rot, self->rot);
  rot_orthonormalize (self->rot);
  gtk_gl_area_queue_render (GTK_GL_AREA (self));
}

static void
pan_by_pixels (FlStructureView *self, double dx, double dy)
{
  int h = MAX (gtk_widget_get_height (GTK_WIDGET (self)), 1);
  float per_px = 2 * camera_distance (self) * tanf ((float) (FOV_Y_DEG * G_PI / 360.0)) / h;
  self->pan[0] += (float) dx * per_px;
  self->pan[1] -= (float) dy * per_px;
  gtk_gl_area_queue_render (GTK_GL_AREA (self));
}

static void
zoom_by (FlStructureView *self, double factor)
{
  self->zoom = CLAMP (self->zoom * (float) factor, 0.05f, 20.f);
  gtk_gl_area_queue_render (GTK_GL_AREA (self));
}

static void
on_drag_begin (GtkGestureDrag *gesture, double x, double y, FlStructureView *self)
{
  self->drag_last_x = 0;
  self->drag_last_y = 0;
  self->drag_moved = FALSE;
  gtk_widget_grab_focus (GTK_WIDGET (self));
}

static void
on_drag_update (GtkGestureDrag *gesture, double ox, double oy, FlStructureView *self)
{
  double dx = ox - self->drag_last_x, dy = oy - self->drag_last_y;
  self->drag_last_x = ox;
  self->drag_last_y = oy;
  if (fabs (ox) + fabs (oy) > 3)
    self->drag_moved = TRUE;
  guint button = gtk_gesture_single_get_current_button (GTK_GESTURE_SINGLE (gesture));
  GdkModifierType mods = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));
  if (button == GDK_BUTTON_PRIMARY && !(mods & (GDK_SHIFT_MASK | GDK_CONTROL_MASK)))
    fl_structure_view_rotate (self, dx * 0.4, dy * 0.4);
  else
    pan_by_pixels (self, dx, dy);
}

static void
on_click_released (GtkGestureClick *gesture, int n_press, double x, double y, FlStructureView *self)
{
  if (self->drag_moved)
    return;
  int r = fl_structure_view_pick (self, x, y);
  fl_structure_view_set_selected (self, r);
  g_signal_emit (self, signals[SIGNAL_RESIDUE_SELECTED], 0, r);
}

static gboolean
on_scroll (GtkEventControllerScroll *controller, double dx, double dy, FlStructureView *self)
{
  GdkModifierType mods = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));
  GdkScrollUnit unit = gtk_event_controller_scroll_get_unit (controller);
  double step = unit == GDK_SCROLL_UNIT_SURFACE ? dy / 40.0 : dy;
  if (mods & GDK_SHIFT_MASK)
    pan_by_pixels (self, -dx * 20, -dy * 20);
  else
    zoom_by (self, pow (1.12, step));
  return TRUE;
}

static void
on_zoom_scale_changed (GtkGestureZoom *gesture, double scale, FlStructureView *self)
{
  if (scale > 0 && self->pinch_last > 0)
    zoom_by (self, self->pinch_last / scale);
  self->pinch_last = scale;
}

static void
on_zoom_begin (GtkGesture *gesture, GdkEventSequence *sequence, FlStructureView *self)
{
  self->pinch_last = 1.0;
}

static void
set_hovered (FlStructureView *self, int r)
{
  if (r == self->hovered)
    return;
  self->hovered = r;
  colors_changed (self);
  g_signal_emit (self, signals[SIGNAL_RESIDUE_HOVERED], 0, r);
}

static void
on_motion (GtkEventControllerMotion *controller, double x, double y, FlStructureView *self)
{
  set_hovered (self, fl_structure_view_pick (self, x, y));
}

static void
on_leave (GtkEventControllerMotion *controller, FlStructureView *self)
{
  set_hovered (self, -1);
}

static gboolean
on_key_pressed (GtkEventControllerKey *controller, guint keyval, guint keycode,
                GdkModifierType state, FlStructureView *self)
{
  gboolean shift = (state & GDK_SHIFT_MASK) != 0;
  switch (keyval)
    {
    case GDK_KEY_Left:
      shift ? pan_by_pixels (self, -20, 0) : fl_structure_view_rotate (self, -5, 0);
      return TRUE;
    case GDK_KEY_Right:
      shift ? pan_by_pixels (self, 20, 0) : fl_structure_view_rotate (self, 5, 0);
      return TRUE;
    case GDK_KEY_Up:
      shift ? pan_by_pixels (self, 0, -20) : fl_structure_view_rotate (self, 0, -5);
      return TRUE;
    case GDK_KEY_Down:
      shift ? pan_by_pixels (self, 0, 20) : fl_structure_view_rotate (self, 0, 5);
      return TRUE;
    case GDK_KEY_plus:
    case GDK_KEY_equal:
    case GDK_KEY_KP_Add:
      zoom_by (self, 1 / 1.15);
      return TRUE;
    case GDK_KEY_minus:
    case GDK_KEY_KP_Subtract:
      zoom_by (self, 1.15);
      return TRUE;
    case GDK_KEY_Home:
      fl_structure_view_reset_camera (self);
      return TRUE;
    default:
      return FALSE;
    }
}

/* ------------------------------------------------------------ public API */

/* Eigenvectors of a symmetric 3x3 matrix (cyclic Jacobi), as the rows of
 * vecs, sorted by decreasing eigenvalue. */
static void
symmetric_eigen3 (const double m_in[9], double vecs[9])
{
  double a[9], v[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
  memcpy (a, m_in, sizeof a);
  for (int sweep = 0; sweep < 30; sweep++)
    {
      double off = fabs (a[1]) + fabs (a[2]) + fabs (a[5]);
      if (off < 1e-12)
        break;
      for (int p = 0; p < 2; p++)
        for (int q = p + 1; q < 3; q++)
          {
            double apq = a[p * 3 + q];
            if (fabs (apq) < 1e-15)
              continue;
            double theta = (a[q * 3 + q] - a[p * 3 + p]) / (2 * apq);
            double t = (theta >= 0 ? 1 : -1) / (fabs (theta) + sqrt (theta * theta + 1));
            double c = 1 / sqrt (t * t + 1), s = t * c;
            for (int k = 0; k < 3; k++)
              {
                double akp = a[k * 3 + p], akq = a[k * 3 + q];
                a[k * 3 + p] = c * akp - s * akq;
                a[k * 3 + q] = s * akp + c * akq;
              }
            for (int k = 0; k < 3; k++)
              {
                double apk = a[p * 3 + k], aqk = a[q * 3 + k];
                a[p * 3 + k] = c * apk - s * aqk;
                a[q * 3 + k] = s * apk + c * aqk;
              }
            for (int k = 0; k < 3; k++)
              {
                double vkp = v[k * 3 + p], vkq = v[k * 3 + q];
                v[k * 3 + p] = c * vkp - s * vkq;
                v[k * 3 + q] = s * vkp + c * vkq;
              }
          }
    }
  int order[3] = { 0, 1, 2 };
  for (int i = 0; i < 3; i++)
    for (int j = i + 1; j < 3; j++)
      if (a[order[j] * 4] > a[order[i] * 4])
        {
          int t = order[i];
          order[i] = order[j];
          order[j] = t;
        }
  for (int r = 0; r < 3; r++)
    for (int k = 0; k < 3; k++)
      vecs[r * 3 + k] = v[k * 3 + order[r]];
}

static void
fit_camera (FlStructureView *self, gboolean reset_rotation)
{
  float lo[3] = { INFINITY, INFINITY, INFINITY }, hi[3] = { -INFINITY, -INFINITY, -INFINITY };
  double mean[3] = { 0, 0, 0 }, cov[9] = { 0 };
  int n = 0;
  for (int i = 0; self->frame && i < self->L; i++)
    if (self->frame->atom37_mask[(gsize) i * 37 + 1] > 0.5f)
      {
        const float *p = fl_frame_ca (self->frame, i);
        for (int k = 0; k < 3; k++)
          {
            lo[k] = MIN (lo[k], p[k]);
            hi[k] = MAX (hi[k], p[k]);
            mean[k] += p[k];
          }
        n++;
      }
  float c[3] = { 0, 0, 0 }, r = 0;
  if (n > 0)
    {
      /* Centre of the bounding box: an arm sticking out does not push the
       * body off the middle of the view. */
      for (int k = 0; k < 3; k++)
        {
          c[k] = 0.5f * (lo[k] + hi[k]);
          mean[k] /= n;
        }
      for (int i = 0; i < self->L; i++)
        if (self->frame->atom37_mask[(gsize) i * 37 + 1] > 0.5f)
          {
            const float *p = fl_frame_ca (self->frame, i);
            float d2 = 0;
            for (int k = 0; k < 3; k++)
              d2 += (p[k] - c[k]) * (p[k] - c[k]);
            r = MAX (r, d2);
            for (int a = 0; a < 3; a++)
              for (int b = 0; b < 3; b++)
                cov[a * 3 + b] += (p[a] - mean[a]) * (p[b] - mean[b]);
          }
      r = sqrtf (r);
    }
  memcpy (self->center, c, sizeof c);
  self->radius = MAX (r + 4.f, 8.f);
  if (reset_rotation)
    {
      memset (self->rot, 0, sizeof self->rot);
      self->rot[0] = self->rot[4] = self->rot[8] = 1.f;
      if (n >= 3)
        {
          /* Principal axes: the longest extent across the screen, the
           * shortest along the line of sight. */
          double axes[9];
          symmetric_eigen3 (cov, axes);
          float R[9];
          for (int k = 0; k < 9; k++)
            R[k] = (float) axes[k];
          /* right-handed */
          float z[3] = { R[1] * R[5] - R[2] * R[4], R[2] * R[3] - R[0] * R[5], R[0] * R[4] - R[1] * R[3] };
          memcpy (R + 6, z, sizeof z);
          memcpy (self->rot, R, sizeof R);
          rot_orthonormalize (self->rot);
        }
      self->zoom = 1.f;
      self->pan[0] = self->pan[1] = 0;
    }
}

void
fl_structure_view_reset_camera (FlStructureView *self)
{
  g_return_if_fail (FL_IS_STRUCTURE_VIEW (self));
  fit_camera (self, TRUE);
  gtk_gl_area_queue_render (GTK_GL_AREA (self));
}

void
fl_structure_view_set_templates (FlStructureView *self, const float *ca, const float *ca_mask,
                                 int T, int L)
{
  g_return_if_fail (FL_IS_STRUCTURE_VIEW (self));
  g_clear_pointer (&self->template_ca, g_free);
  g_clear_pointer (&self->template_mask, g_free);
  self->n_templates = ca && ca_mask && T > 0 && L > 0 ? T : 0;
  self->template_L = self->n_templates ? L : 0;
  if (self->n_templates)
    {
      self->template_ca = g_memdup2 (ca, (gsize) T * L * 3 * sizeof (float));
      self->template_mask = g_memdup2 (ca_mask, (gsize) T * L * sizeof (float));
    }
  rebuild_geometry (self);
  gtk_gl_area_queue_render (GTK_GL_AREA (self));
}

int
fl_structure_view_get_n_template_segments (FlStructureView *self)
{
  g_return_val_if_fail (FL_IS_STRUCTURE_VIEW (self), 0);
  return self->templates ? (int) (self->templates->n_indices / 2) : 0;
}

void
fl_structure_view_set_frame (FlStructureView *self, FlFrame *frame, const char *sequence,
                             gboolean keep_camera)
{
  g_return_if_fail (FL_IS_STRUCTURE_VIEW (self));
  if (frame)
    fl_frame_ref (frame);
  g_clear_pointer (&self->frame, fl_frame_unref);
  self->frame = frame;
  if (sequence != self->sequence)
    {
      g_free (self->sequence);
      self->sequence = g_strdup (sequence);
    }
  int old_L = self->L;
  self->L = frame ? frame->L : 0;
  if (self->L != old_L)
    {
      self->hovered = -1;
      if (self->selected >= self->L)
        self->selected = -1;
      self->ranges[0] = self->ranges[1] = self->ranges[2] = self->ranges[3] = -1;
    }
  rebuild_geometry (self);
  if (!keep_camera)
    fit_camera (self, TRUE);
  else if (frame)
    {
      /* Follow the structure as it grows (runs start with every residue at
       * the origin): keep rotation, zoom and pan, refit centre and size. */
      fit_camera (self, FALSE);
    }
  colors_changed (self);
}

FlFrame *
fl_structure_view_get_frame (FlStructureView *self)
{
  return self->frame;
}

void
fl_structure_view_set_color_scale (FlStructureView *self, FlColorScale scale)
{
  self->color_scale = scale;
  colors_changed (self);
}

void
fl_structure_view_set_side_chains (FlStructureView *self, gboolean show)
{
  if (self->show_side_chains == show)
    return;
  self->show_side_chains = show;
  rebuild_geometry (self);
  gtk_gl_area_queue_render (GTK_GL_AREA (self));
}

gboolean
fl_structure_view_get_side_chains (FlStructureView *self)
{
  return self->show_side_chains;
}

void
fl_structure_view_set_highlight (FlStructureView *self, int i, int j)
{
  if (self->highlight[0] == i && self->highlight[1] == j)
    return;
  self->highlight[0] = i;
  self->highlight[1] = j;
  colors_changed (self);
}

void
fl_structure_view_set_selected (FlStructureView *self, int residue)
{
  if (residue >= self->L)
    residue = -1;
  if (self->selected == residue)
    return;
  self->selected = residue;
  colors_changed (self);
}

int
fl_structure_view_get_selected (FlStructureView *self)
{
  return self->selected;
}

void
fl_structure_view_set_selected_ranges (FlStructureView *self, int a_first, int a_last,
                                       int b_first, int b_last)
{
  int r[4] = { MIN (a_first, a_last), MAX (a_first, a_last), MIN (b_first, b_last), MAX (b_first, b_last) };
  if (memcmp (r, self->ranges, sizeof r) == 0)
    return;
  memcpy (self->ranges, r, sizeof r);
  colors_changed (self);
}

gboolean
fl_structure_view_is_selected (FlStructureView *self, int residue)
{
  if (residue < 0)
    return FALSE;
  if (residue == self->selected)
    return TRUE;
  for (int k = 0; k < 4; k += 2)
    if (self->ranges[k] >= 0 && residue >= self->ranges[k] && residue <= self->ranges[k + 1])
      return TRUE;
  return FALSE;
}

guint64
fl_structure_view_get_n_draws (FlStructureView *self)
{
  return self->n_draws;
}

const char *
fl_structure_view_get_renderer (FlStructureView *self)
{
  return self->renderer;
}

double
fl_structure_view_get_last_build_ms (FlStructureView *self)
{
  return self->last_build_ms;
}

GtkWidget *
fl_structure_view_new (void)
{
  return g_object_new (FL_TYPE_STRUCTURE_VIEW, NULL);
}

static void
fl_structure_view_finalize (GObject *object)
{
  FlStructureView *self = FL_STRUCTURE_VIEW (object);
  g_clear_pointer (&self->frame, fl_frame_unref);
  g_clear_pointer (&self->cartoon, fl_view_mesh_free);
  g_clear_pointer (&self->sticks, fl_view_mesh_free);
  g_clear_pointer (&self->templates, fl_view_mesh_free);
  g_free (self->template_ca);
  g_free (self->template_mask);
  g_free (self->sequence);
  G_OBJECT_CLASS (fl_structure_view_parent_class)->finalize (object);
}

static void
fl_structure_view_class_init (FlStructureViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkGLAreaClass *area_class = GTK_GL_AREA_CLASS (klass);
  object_class->finalize = fl_structure_view_finalize;
  widget_class->realize = fl_structure_view_realize;
  widget_class->unrealize = fl_structure_view_unrealize;
  area_class->render = fl_structure_view_render;

  signals[SIGNAL_RESIDUE_HOVERED] =
    g_signal_new ("residue-hovered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  signals[SIGNAL_RESIDUE_SELECTED] =
    g_signal_new ("residue-selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
}

static void
fl_structure_view_init (FlStructureView *self)
{
  GtkGLArea *area = GTK_GL_AREA (self);
  self->background[0] = self->background[1] = self->background[2] = 1.f;
  gtk_gl_area_set_required_version (area, 3, 3);
  gtk_gl_area_set_has_depth_buffer (area, TRUE);
  gtk_gl_area_set_auto_render (area, TRUE);
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  self->highlight[0] = self->highlight[1] = -1;
  self->ranges[0] = self->ranges[1] = self->ranges[2] = self->ranges[3] = -1;
  self->hovered = -1;
  self->selected = -1;
  self->zoom = 1.f;
  self->radius = 20.f;
  self->rot[0] = self->rot[4] = self->rot[8] = 1.f;

  GtkGesture *drag = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), 0);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  GtkGesture *click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "released", G_CALLBACK (on_click_released), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  GtkEventController *scroll =
    gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self), scroll);

  GtkGesture *zoom = gtk_gesture_zoom_new ();
  g_signal_connect (zoom, "scale-changed", G_CALLBACK (on_zoom_scale_changed), self);
  g_signal_connect (zoom, "begin", G_CALLBACK (on_zoom_begin), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (zoom));

  GtkEventController *motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);

  GtkEventController *key = gtk_event_controller_key_new ();
  g_signal_connect (key, "key-pressed", G_CALLBACK (on_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), key);
}
