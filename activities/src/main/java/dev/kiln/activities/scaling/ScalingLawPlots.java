package dev.kiln.activities.scaling;

import dev.kiln.activities.scaling.ScalingLawReport.Allocation;
import dev.kiln.activities.scaling.ScalingLawReport.ProfileOptimum;
import dev.kiln.workflows.ladder.LadderPoint;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.function.DoubleUnaryOperator;
import javax.imageio.ImageIO;

/**
 * The scaling-law report as PNGs (drawn with Java 2D, as {@code FunnelChart}): the measured loss against N per
 * IsoFLOP budget with approach 3's curve at each budget, and the compute-optimal N against C (log-log) with
 * approach 2's vertices and both fits.
 */
public final class ScalingLawPlots {
  private static final int WIDTH = 900;
  private static final int HEIGHT = 600;
  private static final int LEFT = 90;
  private static final int RIGHT = 230;
  private static final int TOP = 50;
  private static final int BOTTOM = 60;
  private static final Color[] PALETTE = {
      new Color(20, 60, 160), new Color(200, 80, 20), new Color(30, 140, 60), new Color(150, 40, 150),
      new Color(180, 30, 50), new Color(20, 140, 150), new Color(120, 100, 20), new Color(90, 90, 90)};
  private static final Color EXPLICIT = new Color(110, 110, 110);

  private ScalingLawPlots() {}

  /**
   * Loss against N (log x) per IsoFLOP budget, with approach 3's L(N, D(N)) along each budget's profile: D(N) is the
   * power law through the profile's own (N, D) points, which is C/(6N) when N counts every parameter the budget paid
   * for, and follows the rungs when it does not (a ladder's N leaves out the token embedding its FLOPs include).
   */
  public static byte[] lossCurves(ScalingLawReport report) {
    List<LadderPoint> points = report.points();
    TreeMap<Double, List<LadderPoint>> profiles = new TreeMap<>();
    for (LadderPoint p : points) {
      profiles.computeIfAbsent(p.budget(), b -> new ArrayList<>()).add(p);
    }
    double minN = points.stream().mapToDouble(LadderPoint::parameters).min().orElseThrow() / 1.5;
    double maxN = points.stream().mapToDouble(LadderPoint::parameters).max().orElseThrow() * 1.5;
    double minL = points.stream().mapToDouble(LadderPoint::loss).min().orElseThrow();
    double maxL = points.stream().mapToDouble(LadderPoint::loss).max().orElseThrow();
    double pad = Math.max(0.05 * (maxL - minL), 1e-3);
    Frame f = new Frame(Math.log10(minN), Math.log10(maxN), minL - pad, maxL + pad);
    Canvas c = new Canvas("Loss against model size per IsoFLOP budget (approach 3 fit as lines)");
    c.axes(f, "parameters N (log scale)", "loss (nats/token)", true, false);
    ParametricLaw law = report.parametric().law();
    int i = 0;
    for (var profile : profiles.entrySet()) {
      double budget = profile.getKey();
      Color color = budget > 0 ? PALETTE[i++ % PALETTE.length] : EXPLICIT;
      if (budget > 0) {
        double lo = profile.getValue().stream().mapToDouble(LadderPoint::parameters).min().orElseThrow() / 1.4;
        double hi = profile.getValue().stream().mapToDouble(LadderPoint::parameters).max().orElseThrow() * 1.4;
        double[] tokens = tokensAlongProfile(profile.getValue(), budget);
        c.curve(f, color, Math.log10(lo), Math.log10(hi),
            x -> law.loss(Math.pow(10, x), Math.pow(10, tokens[0] + tokens[1] * x)), false);
      }
      for (LadderPoint p : profile.getValue()) {
        c.dot(f, color, Math.log10(p.parameters()), p.loss(), 4);
      }
      c.legend(color, budget > 0 ? String.format(Locale.ROOT, "C = %.2g FLOPs", budget) : "explicit (N, D)", Mark.DOT);
    }
    if (report.isoFlop() != null) {
      for (ProfileOptimum o : report.isoFlop().optima()) {
        c.diamond(f, Color.BLACK, Math.log10(o.parameters().value()), o.loss());
      }
      c.legend(Color.BLACK, "approach 2 vertex", Mark.DIAMOND);
    }
    c.note(String.format(Locale.ROOT, "approach 3: E %.3g, A %.4g, B %.4g, alpha %.3g, beta %.3g", law.e(), law.a(),
        law.b(), law.alpha(), law.beta()));
    return c.png();
  }

  /** {u, v} with log10 D = u + v log10 N fitted to the profile's points; C/(6N) when they cannot fix it. */
  static double[] tokensAlongProfile(List<LadderPoint> profile, double budget) {
    double n = profile.size();
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (LadderPoint p : profile) {
      double x = Math.log10(p.parameters());
      double y = Math.log10(p.tokens());
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
    double spread = sxx - sx * sx / n;
    if (profile.size() < 2 || spread < 1e-12) {
      return new double[] {Math.log10(budget / 6), -1};
    }
    double v = (sxy - sx * sy / n) / spread;
    return new double[] {(sy - v * sx) / n, v};
  }

  /**
   * The compute-optimal N against C (log-log): approach 2's vertices with their bootstrap intervals, its power
   * law, and approach 3's N*(C); the user budget's prediction as a star.
   */
  public static byte[] computeOptimal(ScalingLawReport report) {
    List<Double> budgets = new ArrayList<>();
    List<Double> sizes = new ArrayList<>();
    if (report.isoFlop() != null) {
      for (ProfileOptimum o : report.isoFlop().optima()) {
        budgets.add(o.budget());
        sizes.add(o.parameters().low());
        sizes.add(o.parameters().high());
      }
    }
    for (Allocation a : report.allocations()) {
      budgets.add(a.budget());
      sizes.add(a.parameters().low());
      sizes.add(a.parameters().high());
    }
    for (LadderPoint p : report.points()) {
      budgets.add(p.flops() > 0 ? p.flops() : 6.0 * p.parameters() * p.tokens());
      sizes.add((double) p.parameters());
    }
    double c0 = budgets.stream().mapToDouble(Double::doubleValue).min().orElseThrow() / 3;
    double c1 = budgets.stream().mapToDouble(Double::doubleValue).max().orElseThrow() * 3;
    ParametricLaw law = report.parametric().law();
    if (law.wellFormed()) {
      sizes.add(law.optimalParameters(c0));
      sizes.add(law.optimalParameters(c1));
    }
    double n0 = sizes.stream().mapToDouble(Double::doubleValue).filter(v -> v > 0).min().orElseThrow() / 2;
    double n1 = sizes.stream().mapToDouble(Double::doubleValue).max().orElseThrow() * 2;
    Frame f = new Frame(Math.log10(c0), Math.log10(c1), Math.log10(n0), Math.log10(n1));
    Canvas c = new Canvas("Compute-optimal model size against compute budget");
    c.axes(f, "compute C = 6 N D (FLOPs, log scale)", "parameters N (log scale)", true, true);
    Color a2 = PALETTE[1];
    Color a3 = PALETTE[0];
    for (LadderPoint p : report.points()) {
      c.dot(f, new Color(200, 200, 200), Math.log10(p.flops() > 0 ? p.flops() : 6.0 * p.parameters() * p.tokens()),
          Math.log10(p.parameters()), 3);
    }
    c.legend(new Color(200, 200, 200), "ladder rungs", Mark.DOT);
    if (law.wellFormed()) {
      c.curve(f, a3, f.x0, f.x1, x -> Math.log10(law.optimalParameters(Math.pow(10, x))), false);
      c.legend(a3, String.format(Locale.ROOT, "approach 3: N* ~ C^%.3f", law.parameterExponent()), Mark.LINE);
    }
    if (report.isoFlop() != null) {
      PowerLaw p = report.isoFlop().parameterLaw();
      c.curve(f, a2, f.x0, f.x1, x -> Math.log10(p.at(Math.pow(10, x))), true);
      for (ProfileOptimum o : report.isoFlop().optima()) {
        double x = Math.log10(o.budget());
        c.errorBar(f, a2, x, Math.log10(o.parameters().low()), Math.log10(o.parameters().high()));
        c.dot(f, a2, x, Math.log10(o.parameters().value()), 5);
      }
      c.legend(a2, String.format(Locale.ROOT, "approach 2: N_opt ~ C^%.3f", p.exponent()), Mark.LINE);
    }
    for (Allocation a : report.allocations()) {
      if (a.budget() == report.userBudget()) {
        double x = Math.log10(a.budget());
        c.errorBar(f, Color.BLACK, x, Math.log10(a.parameters().low()), Math.log10(a.parameters().high()));
        c.diamond(f, Color.BLACK, x, Math.log10(a.parameters().value()));
        c.legend(Color.BLACK, String.format(Locale.ROOT, "at %.2g: N* %.3g", a.budget(), a.parameters().value()),
            Mark.DIAMOND);
      }
    }
    c.note("bars: 5%-95% bootstrap intervals");
    return c.png();
  }

  private enum Mark { LINE, DOT, DIAMOND }

  /** Data coordinates (log10 where an axis is logarithmic) of the plot area. */
  private record Frame(double x0, double x1, double y0, double y1) {
    int px(double x) {
      return LEFT + (int) Math.round((x - x0) / (x1 - x0) * (WIDTH - LEFT - RIGHT));
    }

    int py(double y) {
      return HEIGHT - BOTTOM - (int) Math.round((y - y0) / (y1 - y0) * (HEIGHT - TOP - BOTTOM));
    }
  }

  private static final class Canvas {
    private final BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    private final Graphics2D g = image.createGraphics();
    private int legendRow;

    Canvas(String title) {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, WIDTH, HEIGHT);
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
      g.drawString(title, 20, 25);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    }

    void axes(Frame f, String xLabel, String yLabel, boolean logX, boolean logY) {
      int left = f.px(f.x0);
      int right = f.px(f.x1);
      int top = f.py(f.y1);
      int bottom = f.py(f.y0);
      for (double t : ticks(f.x0, f.x1, logX)) {
        int x = f.px(t);
        g.setColor(new Color(232, 232, 232));
        g.drawLine(x, top, x, bottom);
        g.setColor(Color.BLACK);
        String label = logX ? decade(t) : String.format(Locale.ROOT, "%.3g", t);
        g.drawString(label, x - g.getFontMetrics().stringWidth(label) / 2, bottom + 16);
      }
      for (double t : ticks(f.y0, f.y1, logY)) {
        int y = f.py(t);
        g.setColor(new Color(232, 232, 232));
        g.drawLine(left, y, right, y);
        g.setColor(Color.BLACK);
        String label = logY ? decade(t) : String.format(Locale.ROOT, "%.3g", t);
        g.drawString(label, left - 8 - g.getFontMetrics().stringWidth(label), y + 4);
      }
      g.setColor(Color.BLACK);
      g.drawRect(left, top, right - left, bottom - top);
      g.drawString(xLabel, (left + right - g.getFontMetrics().stringWidth(xLabel)) / 2, HEIGHT - 22);
      Graphics2D r = (Graphics2D) g.create();
      r.rotate(-Math.PI / 2);
      r.drawString(yLabel, -(top + bottom + r.getFontMetrics().stringWidth(yLabel)) / 2, 22);
      r.dispose();
    }

    void curve(Frame f, Color color, double from, double to, DoubleUnaryOperator y, boolean dashed) {
      Path2D.Double path = new Path2D.Double();
      boolean started = false;
      for (int i = 0; i <= 200; i++) {
        double x = from + (to - from) * i / 200;
        double v = y.applyAsDouble(x);
        if (!Double.isFinite(v)) {
          started = false;
          continue;
        }
        if (started) {
          path.lineTo(f.px(x), f.py(v));
        } else {
          path.moveTo(f.px(x), f.py(v));
          started = true;
        }
      }
      Graphics2D c = (Graphics2D) g.create();
      c.clipRect(f.px(f.x0), f.py(f.y1), f.px(f.x1) - f.px(f.x0), f.py(f.y0) - f.py(f.y1));
      c.setColor(color);
      c.setStroke(dashed ? new BasicStroke(2, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1, new float[] {8, 6}, 0)
          : new BasicStroke(2));
      c.draw(path);
      c.dispose();
    }

    void dot(Frame f, Color color, double x, double y, int radius) {
      g.setColor(color);
      g.fillOval(f.px(x) - radius, f.py(y) - radius, 2 * radius, 2 * radius);
    }

    void diamond(Frame f, Color color, double x, double y) {
      int px = f.px(x);
      int py = f.py(y);
      g.setColor(color);
      g.setStroke(new BasicStroke(2));
      g.drawPolygon(new int[] {px, px + 6, px, px - 6}, new int[] {py - 6, py, py + 6, py}, 4);
      g.setStroke(new BasicStroke(1));
    }

    void errorBar(Frame f, Color color, double x, double low, double high) {
      int px = f.px(x);
      g.setColor(color);
      g.drawLine(px, f.py(low), px, f.py(high));
      g.drawLine(px - 4, f.py(low), px + 4, f.py(low));
      g.drawLine(px - 4, f.py(high), px + 4, f.py(high));
    }

    void legend(Color color, String label, Mark mark) {
      int x = WIDTH - RIGHT + 15;
      int y = TOP + 10 + 20 * legendRow++;
      g.setColor(color);
      switch (mark) {
        case LINE -> g.fillRect(x, y - 5, 18, 3);
        case DOT -> g.fillOval(x + 5, y - 8, 8, 8);
        case DIAMOND -> {
          g.setStroke(new BasicStroke(2));
          g.drawPolygon(new int[] {x + 9, x + 14, x + 9, x + 4}, new int[] {y - 9, y - 4, y + 1, y - 4}, 4);
          g.setStroke(new BasicStroke(1));
        }
        default -> throw new IllegalStateException();
      }
      g.setColor(Color.BLACK);
      g.drawString(label, x + 24, y);
    }

    void note(String text) {
      g.setColor(Color.DARK_GRAY);
      g.drawString(text, LEFT, TOP - 8);
    }

    byte[] png() {
      g.dispose();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try {
        ImageIO.write(image, "png", out);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return out.toByteArray();
    }

    private static List<Double> ticks(double from, double to, boolean log) {
      List<Double> ticks = new ArrayList<>();
      if (log) {
        int step = Math.max(1, (int) Math.ceil((to - from) / 8));
        for (double t = Math.ceil(from); t <= to; t += step) {
          ticks.add(t);
        }
        return ticks;
      }
      double raw = (to - from) / 6;
      double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
      double step = raw / magnitude < 2 ? 2 * magnitude : raw / magnitude < 5 ? 5 * magnitude : 10 * magnitude;
      if (raw / magnitude < 1.5) {
        step = magnitude;
      }
      for (double t = Math.ceil(from / step) * step; t <= to; t += step) {
        ticks.add(t);
      }
      return ticks;
    }

    private static String decade(double exponent) {
      return String.format(Locale.ROOT, "1e%d", Math.round(exponent));
    }
  }
}
