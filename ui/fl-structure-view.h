/* FlStructureView: the 3D view of one structure (a GtkGLArea, GL 3.3 core
 * through libepoxy; runs on Mesa's software renderer too).
 *
 * Shows a cartoon built by render/ from the backbone of an FlFrame, coloured
 * per residue by pLDDT (AlphaFold DB bands or a continuous scale) through a
 * small colour texture, so recolouring and highlighting never rebuild
 * geometry. Side chains as sticks on request. Orbit (primary drag, arrow
 * keys), pan (secondary / middle drag, Shift+drag, Shift+arrows), zoom
 * (scroll, pinch, +/-), reset (Home). Hovering picks the residue under the
 * pointer (ray against CA spheres); a click selects it.
 *
 * GL objects exist between realize and unrealize; every call is main-thread.
 *
 * Signals:
 *   "residue-hovered"  (int residue)  residue under the pointer, -1 none
 *   "residue-selected" (int residue)  clicked residue, -1 cleared */
#pragma once
#include <gtk/gtk.h>
#include "fl-snapshot.h"

G_BEGIN_DECLS

#define FL_TYPE_STRUCTURE_VIEW (fl_structure_view_get_type ())
G_DECLARE_FINAL_TYPE (FlStructureView, fl_structure_view, FL, STRUCTURE_VIEW, GtkGLArea)

typedef enum {
  FL_COLOR_SCALE_BANDS,       /* AlphaFold DB bands */
  FL_COLOR_SCALE_CONTINUOUS,  /* continuous through the band colours */
} FlColorScale;

GtkWidget *fl_structure_view_new (void);

/* Show a structure. `sequence` (L one-letter codes, may be NULL) names the
 * residues and their side chains. The view keeps a reference to the frame.
 * keep_camera: FALSE fits the camera to the new structure. */
void fl_structure_view_set_frame (FlStructureView *self, FlFrame *frame,
                                  const char *sequence, gboolean keep_camera);
FlFrame *fl_structure_view_get_frame (FlStructureView *self);   /* borrowed, nullable */
/* Templates drawn as thin grey CA traces, each superposed on the shown
 * frame by the CA atoms both have: ca (T, L, 3) and ca_mask (T, L) in the
 * query's numbering (copied); T = 0 or NULL clears. */
void fl_structure_view_set_templates (FlStructureView *self, const float *ca,
                                      const float *ca_mask, int T, int L);
/* Line segments of the template traces drawn for the current frame. */
int fl_structure_view_get_n_template_segments (FlStructureView *self);

void fl_structure_view_set_color_scale (FlStructureView *self, FlColorScale scale);
void fl_structure_view_set_side_chains (FlStructureView *self, gboolean show);
gboolean fl_structure_view_get_side_chains (FlStructureView *self);
void fl_structure_view_reset_camera (FlStructureView *self);
/* Rotate the model by angles (degrees) about the screen's y and x axes. */
void fl_structure_view_rotate (FlStructureView *self, double degrees_y, double degrees_x);

/* Residues highlighted from elsewhere (hover in a map): up to two, -1 none. */
void fl_structure_view_set_highlight (FlStructureView *self, int i, int j);
void fl_structure_view_set_selected (FlStructureView *self, int residue);
int fl_structure_view_get_selected (FlStructureView *self);
/* Residues selected as ranges (a brush in a map: rows [a_first, a_last] and
 * columns [b_first, b_last], either range -1, -1 for none), marked like the
 * selected residue; (-1, -1, -1, -1) clears. */
void fl_structure_view_set_selected_ranges (FlStructureView *self, int a_first, int a_last,
                                            int b_first, int b_last);
/* TRUE when residue is marked as selected (the clicked residue or a range). */
gboolean fl_structure_view_is_selected (FlStructureView *self, int residue);

/* The residue under widget point (x, y), or -1. */
int fl_structure_view_pick (FlStructureView *self, double x, double y);
/* Clear and fog colour (default white; the lecture mode's dark background). */
void fl_structure_view_set_background (FlStructureView *self, float r, float g, float b);
/* Widget point of a model-space point (Å, the frame's coordinates); FALSE
 * when it is behind the camera or the widget has no size. */
gboolean fl_structure_view_project_point (FlStructureView *self, const float xyz[3],
                                          double *x, double *y);
/* Widget point of residue i's CA; FALSE when it has none or is behind the camera. */
gboolean fl_structure_view_project (FlStructureView *self, int residue, double *x, double *y);

/* Render the current view offscreen at width x height (any size; large
 * images are drawn in tiles) and return RGBA8 pixels, top row first.
 * Needs the widget realized. */
GBytes *fl_structure_view_render_pixels (FlStructureView *self, int width, int height,
                                         GError **error);
gboolean fl_structure_view_export_png (FlStructureView *self, const char *path,
                                       int width, int height, GError **error);

/* Frames drawn on screen since the widget was created (benchmarks). */
guint64 fl_structure_view_get_n_draws (FlStructureView *self);
/* GL_RENDERER of the context ("" before realize). */
const char *fl_structure_view_get_renderer (FlStructureView *self);
/* Milliseconds spent building geometry for the last structure. */
double fl_structure_view_get_last_build_ms (FlStructureView *self);

G_END_DECLS
