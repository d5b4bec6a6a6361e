// The timeline: one lane per row of the tree, on a shared time axis, drawn on a canvas
// (devicePixelRatio-aware) only when something changed. Wheel zooms around the cursor,
// shift+wheel and drag pan, + and - zoom; follow-live keeps "now" in view until the
// user pans. Colours come from the theme through CSS custom properties (style.css).
import type { ProcessJson } from '../src/shared/schema';
import { laneOf, type Mark, type SpanKind } from './lanes';
import { fit, follow, panBy, ticks, tickLabel, timeToX, zoomAt, type TimeScale } from './scale';
import { ROW_HEIGHT } from './treeView';

/** The axis band at the top; the tree's column header has the same height. */
export const AXIS_HEIGHT = ROW_HEIGHT;
const BAR_HEIGHT = 10;
/** One press of + or -. */
export const ZOOM_STEP = 1.5;

export interface TimelineModel {
  rowCount(): number;
  processAt(index: number): ProcessJson | undefined;
  scrollTop(): number;
  viewportHeight(): number;
  scrollBy(dy: number): void;
  /** The trace's duration so far: "now" on the axis. */
  duration(): number | null;
  /** The trace is still running (follow-live applies). */
  live(): boolean;
  selectedId(): string | null;
  select(id: string): void;
  /** Something the canvas shows changed: ask for a frame. */
  changed(): void;
  followChanged(): void;
}

interface Palette {
  spans: Record<SpanKind, string>;
  mark: string;
  adopt: string;
  grid: string;
  axisText: string;
  axisBackground: string;
  now: string;
  selection: string;
  contrastBorder: string;
  background: string;
  font: string;
}

export class Timeline {
  readonly canvas: HTMLCanvasElement;
  private readonly context: CanvasRenderingContext2D;
  private scale: TimeScale | null = null;
  private following = true;
  /** The user chose a zoom: following keeps it instead of fitting the whole trace. */
  private userZoomed = false;
  private dirty = true;
  private cssWidth = 0;
  private cssHeight = 0;
  private hostWidth = 0;
  private hostHeight = 0;
  private dpr = 1;
  private palette: Palette | null = null;
  private drag: { x: number; y: number; moved: boolean; pointerId: number } | null = null;

  constructor(
    private readonly host: HTMLElement,
    private readonly model: TimelineModel,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'ft-timeline-canvas';
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', 'Timeline: wheel or + and - to zoom, drag or shift+wheel to pan');
    host.append(this.canvas);
    const context = this.canvas.getContext('2d');
    if (!context) throw new Error('no 2D canvas context');
    this.context = context;

    // Sizes come from the observer, so drawing never forces a synchronous layout.
    new ResizeObserver((entries) => {
      const box = entries[entries.length - 1]!.contentRect;
      this.hostWidth = Math.round(box.width);
      this.hostHeight = Math.round(box.height);
      this.invalidate();
    }).observe(host);
    this.canvas.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    this.canvas.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    this.canvas.addEventListener('pointermove', (e) => this.onPointerMove(e));
    this.canvas.addEventListener('pointerup', (e) => this.onPointerUp(e));
    this.canvas.addEventListener('pointercancel', () => this.endDrag());
    this.canvas.addEventListener('keydown', (e) => this.onKeyDown(e));
    // VS Code changes the body's class and the root's variables when the theme changes.
    const themeObserver = new MutationObserver(() => {
      this.palette = null;
      this.invalidate();
    });
    themeObserver.observe(document.body, { attributes: true, attributeFilter: ['class'] });
    themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  }

  get isFollowing(): boolean {
    return this.following;
  }

  invalidate(): void {
    this.dirty = true;
    this.model.changed();
  }

  /** A new trace: fit it and follow it again. */
  reset(): void {
    this.scale = null;
    this.userZoomed = false;
    this.setFollowing(true);
    this.invalidate();
  }

  /** Shows the whole trace; while it runs, keeps showing all of it. */
  fitAll(): void {
    this.userZoomed = false;
    this.scale = null;
    this.setFollowing(true);
    this.invalidate();
  }

  setFollowing(on: boolean): void {
    if (this.following === on) return;
    this.following = on;
    this.model.followChanged();
    this.invalidate();
  }

  /** Zooms in (factor < 1) or out around `x`, or around "now" while following a live trace. */
  zoom(factor: number, x?: number): void {
    const scale = this.currentScale();
    if (!scale) return;
    const now = this.model.duration() ?? 0;
    let anchor = x ?? this.cssWidth / 2;
    if (this.following && this.model.live()) anchor = Math.min(Math.max(timeToX(scale, now), 0), this.cssWidth);
    this.userZoomed = true;
    this.scale = zoomAt(scale, anchor, factor, now, this.cssWidth);
    this.invalidate();
  }

  pan(dx: number): void {
    const scale = this.currentScale();
    if (!scale || dx === 0) return;
    this.scale = panBy(scale, dx, this.model.duration() ?? 0, this.cssWidth);
    this.setFollowing(false);
    this.invalidate();
  }

  /** Draws if anything changed since the last frame. */
  drawIfDirty(): void {
    if (!this.dirty) return;
    this.dirty = false;
    this.draw();
  }

  private currentScale(): TimeScale | null {
    if (this.cssWidth <= 0) return null;
    const now = this.model.duration() ?? 0;
    if (!this.scale) this.scale = fit(0, now, this.cssWidth);
    if (this.following) this.scale = this.userZoomed ? (this.model.live() ? follow(this.scale, now, this.cssWidth) : this.scale) : fit(0, now, this.cssWidth);
    return this.scale;
  }

  private resize(): void {
    const width = this.hostWidth;
    const height = this.hostHeight;
    const dpr = window.devicePixelRatio || 1;
    if (width === this.cssWidth && height === this.cssHeight && dpr === this.dpr) return;
    this.cssWidth = width;
    this.cssHeight = height;
    this.dpr = dpr;
    this.canvas.width = Math.max(1, Math.round(width * dpr));
    this.canvas.height = Math.max(1, Math.round(height * dpr));
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
  }

  private readPalette(): Palette {
    const style = getComputedStyle(this.host);
    const v = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
    return {
      spans: {
        running: v('--ft-running', '#89d185'),
        zombie: v('--ft-zombie', '#f14c4c'),
        reaped: v('--ft-reaped', '#3794ff'),
        exited: v('--ft-exited', '#888888'),
      },
      mark: v('--ft-mark', '#cccccc'),
      adopt: v('--ft-adopt', '#b180d7'),
      grid: v('--ft-grid', 'rgba(128,128,128,0.2)'),
      axisText: v('--ft-axis-text', '#999999'),
      axisBackground: v('--ft-axis-background', 'transparent'),
      now: v('--ft-now', '#cca700'),
      selection: v('--ft-selection', 'rgba(128,128,128,0.25)'),
      contrastBorder: v('--ft-contrast-border', ''),
      background: v('--ft-background', '#1e1e1e'),
      font: `11px ${style.fontFamily || 'sans-serif'}`,
    };
  }

  private draw(): void {
    this.resize();
    const ctx = this.context;
    const width = this.cssWidth;
    const height = this.cssHeight;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    if (width <= 0 || height <= 0) return;
    const palette = (this.palette ??= this.readPalette());
    const duration = this.model.duration();
    ctx.font = palette.font;
    ctx.textBaseline = 'middle';
    if (duration === null) {
      if (this.model.rowCount() > 0) {
        ctx.fillStyle = palette.axisText;
        ctx.fillText('No timestamps in this log: the timeline needs strace -t, -tt or -ttt.', 8, AXIS_HEIGHT + ROW_HEIGHT / 2);
      }
      return;
    }
    const scale = this.currentScale()!;
    const now = duration;
    const axis = ticks(scale, width);

    // Grid lines under the lanes.
    ctx.fillStyle = palette.grid;
    for (const t of axis.times) ctx.fillRect(Math.round(timeToX(scale, t)), AXIS_HEIGHT, 1, height - AXIS_HEIGHT);

    // Lanes: only the rows in view.
    const scrollTop = this.model.scrollTop();
    const lanesHeight = Math.min(this.model.viewportHeight(), height - AXIS_HEIGHT);
    const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT));
    const last = Math.min(this.model.rowCount(), Math.ceil((scrollTop + lanesHeight) / ROW_HEIGHT));
    const selectedId = this.model.selectedId();
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, AXIS_HEIGHT, width, lanesHeight);
    ctx.clip();
    for (let i = first; i < last; i++) {
      const p = this.model.processAt(i);
      if (!p) continue;
      const y = AXIS_HEIGHT + i * ROW_HEIGHT - scrollTop;
      if (p.id === selectedId) {
        ctx.fillStyle = palette.selection;
        ctx.fillRect(0, y, width, ROW_HEIGHT);
      }
      this.drawLane(ctx, p, y, scale, now, width, palette);
    }
    ctx.restore();

    // "Now" while the trace runs.
    if (this.model.live()) {
      const x = Math.round(timeToX(scale, now));
      if (x >= 0 && x <= width) {
        ctx.fillStyle = palette.now;
        ctx.fillRect(x, AXIS_HEIGHT, 1, lanesHeight);
      }
    }

    // The axis band.
    ctx.fillStyle = palette.axisBackground;
    ctx.clearRect(0, 0, width, AXIS_HEIGHT);
    ctx.fillRect(0, 0, width, AXIS_HEIGHT);
    ctx.fillStyle = palette.grid;
    ctx.fillRect(0, AXIS_HEIGHT - 1, width, 1);
    ctx.fillStyle = palette.axisText;
    for (const t of axis.times) {
      const x = Math.round(timeToX(scale, t));
      ctx.fillRect(x, AXIS_HEIGHT - 5, 1, 4);
      const label = tickLabel(t, axis.step);
      if (x + 3 + ctx.measureText(label).width <= width) ctx.fillText(label, x + 3, AXIS_HEIGHT / 2 - 1);
    }
  }

  private drawLane(ctx: CanvasRenderingContext2D, p: ProcessJson, y: number, scale: TimeScale, now: number, width: number, palette: Palette): void {
    const lane = laneOf(p, now);
    const barTop = y + (ROW_HEIGHT - BAR_HEIGHT) / 2;
    for (const span of lane.spans) {
      const x0 = Math.max(-2, timeToX(scale, span.from));
      const x1 = Math.min(width + 2, timeToX(scale, span.to));
      if (x1 < 0 || x0 > width) continue;
      const w = Math.max(1, x1 - x0);
      ctx.fillStyle = palette.spans[span.kind];
      ctx.fillRect(x0, barTop, w, BAR_HEIGHT);
      if (palette.contrastBorder) {
        ctx.strokeStyle = palette.contrastBorder;
        ctx.lineWidth = 1;
        ctx.strokeRect(x0 + 0.5, barTop + 0.5, Math.max(0, w - 1), BAR_HEIGHT - 1);
      }
    }
    for (const mark of lane.marks) {
      const x = timeToX(scale, mark.time);
      if (x < -6 || x > width + 6) continue;
      this.drawMark(ctx, mark, x, barTop, palette);
    }
  }

  private drawMark(ctx: CanvasRenderingContext2D, mark: Mark, x: number, barTop: number, palette: Palette): void {
    const mid = barTop + BAR_HEIGHT / 2;
    ctx.fillStyle = palette.mark;
    ctx.strokeStyle = palette.mark;
    switch (mark.kind) {
      case 'fork': // a notch pointing down into the bar's start
        ctx.beginPath();
        ctx.moveTo(x - 3.5, barTop - 4);
        ctx.lineTo(x + 3.5, barTop - 4);
        ctx.lineTo(x, barTop);
        ctx.closePath();
        ctx.fill();
        break;
      case 'exec': // a diamond on the bar
        ctx.beginPath();
        ctx.moveTo(x, mid - 4);
        ctx.lineTo(x + 4, mid);
        ctx.lineTo(x, mid + 4);
        ctx.lineTo(x - 4, mid);
        ctx.closePath();
        ctx.fill();
        break;
      case 'exit': // a bar across
        ctx.fillRect(Math.round(x) - 1, barTop - 3, 2, BAR_HEIGHT + 6);
        break;
      case 'reap': // a ring
        ctx.fillStyle = palette.background;
        ctx.beginPath();
        ctx.arc(x, mid, 3.5, 0, Math.PI * 2);
        ctx.fill();
        ctx.lineWidth = 1.5;
        ctx.stroke();
        break;
      case 'adopt': // a square under the bar
        ctx.fillStyle = palette.adopt;
        ctx.fillRect(x - 3, barTop + BAR_HEIGHT + 1, 6, 4);
        break;
    }
  }

  private onWheel(e: WheelEvent): void {
    e.preventDefault();
    const unit = e.deltaMode === WheelEvent.DOM_DELTA_LINE ? 16 : e.deltaMode === WheelEvent.DOM_DELTA_PAGE ? this.cssWidth : 1;
    const dx = e.deltaX * unit;
    const dy = e.deltaY * unit;
    if (e.shiftKey) {
      this.pan(dy !== 0 ? dy : dx);
    } else if (Math.abs(dx) > Math.abs(dy)) {
      this.pan(dx);
    } else if (dy !== 0) {
      // Pinch gestures arrive as ctrl+wheel with small deltas: scale them up.
      this.zoom(Math.exp(dy * (e.ctrlKey ? 0.01 : 0.0015)), this.localX(e));
    }
  }

  private onPointerDown(e: PointerEvent): void {
    if (e.button !== 0) return;
    this.canvas.focus({ preventScroll: true });
    this.drag = { x: e.clientX, y: e.clientY, moved: false, pointerId: e.pointerId };
    this.canvas.setPointerCapture(e.pointerId);
  }

  private onPointerMove(e: PointerEvent): void {
    const drag = this.drag;
    if (!drag || drag.pointerId !== e.pointerId) return;
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 3) return;
    if (!drag.moved) this.canvas.classList.add('ft-dragging');
    drag.moved = true;
    drag.x = e.clientX;
    drag.y = e.clientY;
    if (dx !== 0) this.pan(-dx);
    if (dy !== 0) this.model.scrollBy(-dy);
  }

  private onPointerUp(e: PointerEvent): void {
    const drag = this.drag;
    if (!drag || drag.pointerId !== e.pointerId) return;
    if (!drag.moved) {
      // A click on a lane selects its process.
      const y = e.clientY - this.canvas.getBoundingClientRect().top;
      if (y >= AXIS_HEIGHT) {
        const p = this.model.processAt(Math.floor((y - AXIS_HEIGHT + this.model.scrollTop()) / ROW_HEIGHT));
        if (p) this.model.select(p.id);
      }
    }
    this.endDrag();
  }

  private endDrag(): void {
    if (this.drag && this.canvas.hasPointerCapture(this.drag.pointerId)) this.canvas.releasePointerCapture(this.drag.pointerId);
    this.drag = null;
    this.canvas.classList.remove('ft-dragging');
  }

  private onKeyDown(e: KeyboardEvent): void {
    const step = this.cssWidth / 8;
    switch (e.key) {
      case 'ArrowLeft':
        this.pan(-step);
        break;
      case 'ArrowRight':
        this.pan(step);
        break;
      case 'ArrowUp':
        this.model.scrollBy(-ROW_HEIGHT);
        break;
      case 'ArrowDown':
        this.model.scrollBy(ROW_HEIGHT);
        break;
      case 'Home':
      case '0':
        this.fitAll();
        break;
      default:
        return; // + and - are the page's, wherever focus is
    }
    e.preventDefault();
  }

  private localX(e: MouseEvent): number {
    return e.clientX - this.canvas.getBoundingClientRect().left;
  }
}
