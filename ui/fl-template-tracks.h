/* Template coverage on the query sequence: one track per template, drawn
 * under the MSA panel's coverage strip with the alignment's columns (pure
 * cairo, no GTK). Per query residue a track shows whether the template
 * covers it and whether the template's residue is the query's:
 *   identical    dark grey   #404040
 *   substituted  light grey  #A8A8A8
 *   not covered  empty (white, framed)
 * The template's name is written left of its track. */
#pragma once
#include <glib.h>
#include <cairo.h>
#include <stdint.h>
#include "fl-templates.h"

G_BEGIN_DECLS

typedef enum {
  FL_TRACK_GAP = 0,
  FL_TRACK_SUBSTITUTED = 1,
  FL_TRACK_IDENTICAL = 2,
} FlTrackState;

typedef struct {
  char *name;          /* "1gcn_A" */
  char *description;   /* "1GCN.pdb chain A" */
  int L;
  uint8_t *state;      /* (L) FlTrackState per query residue */
  char *letters;       /* (L + 1) the template's residue per query residue, '-' uncovered */
  int *residue;        /* (L) 1-based chain residue, 0 uncovered */
  int aligned, identical;
} FlTemplateTrack;

typedef struct {
  int n;
  FlTemplateTrack *tracks;   /* (n) */
} FlTemplateTracks;

/* Tracks of hits (FlTemplateHit*) against `query` (L letters); NULL when
 * there is no hit. */
FlTemplateTracks *fl_template_tracks_new (GPtrArray *hits, const char *query);
void fl_template_tracks_free (FlTemplateTracks *tracks);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FlTemplateTracks, fl_template_tracks_free)

/* Height of one track and the gap under it (px). */
#define FL_TEMPLATE_TRACK_H 20.0
#define FL_TEMPLATE_TRACK_GAP 3.0
/* Height of n tracks with their gaps (0 for none). */
double fl_template_tracks_height (int n);

/* The tracks for query columns [col0, col0 + ncols) in x .. x + w, from y
 * down, names right-aligned to label_right. */
void fl_template_tracks_draw (cairo_t *cr, const FlTemplateTracks *tracks, double col0,
                              double ncols, double x, double y, double w, double label_right);
/* Which track is at y (relative to the top the tracks were drawn at); -1 none. */
int fl_template_tracks_at (const FlTemplateTracks *tracks, double dy);
/* "template 1gcn_A (1GCN.pdb chain A): residue 2 A ↔ template S (its
 * residue 2), substituted · 28 of 33 residues covered, 25 identical" for
 * query residue col (0-based; -1: the template alone). */
char *fl_template_tracks_describe (const FlTemplateTracks *tracks, int t, int col,
                                   const char *query);

G_END_DECLS
