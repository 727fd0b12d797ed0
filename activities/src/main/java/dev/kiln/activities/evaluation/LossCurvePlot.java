package dev.kiln.activities.evaluation;

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
import java.util.List;
import javax.imageio.ImageIO;

/** Draws the training loss per step (and a moving average) with a held-out reference line, as a PNG. */
public final class LossCurvePlot {
  private static final int WIDTH = 900;
  private static final int HEIGHT = 520;
  private static final int LEFT = 70;
  private static final int RIGHT = 30;
  private static final int TOP = 50;
  private static final int BOTTOM = 60;

  private LossCurvePlot() {}

  /**
   * @param losses training loss of each step, from step 1
   * @param heldOutLoss the final held-out loss, drawn as a horizontal line (NaN to omit)
   * @param baselineLoss the unigram baseline's held-out loss (NaN to omit)
   */
  public static byte[] render(String title, List<Double> losses, double heldOutLoss, double baselineLoss) {
    return render(title, java.util.stream.IntStream.rangeClosed(1, losses.size()).boxed().toList(), losses, heldOutLoss,
        baselineLoss);
  }

  /**
   * As {@link #render(String, List, double, double)}, for losses at the given steps (e.g. one per checkpoint, thinned
   * over a long run).
   *
   * @param steps increasing, one per loss
   */
  public static byte[] render(String title, List<Integer> steps, List<Double> losses, double heldOutLoss,
      double baselineLoss) {
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, WIDTH, HEIGHT);

    double max = losses.stream().mapToDouble(Double::doubleValue).filter(Double::isFinite).max().orElse(1);
    double min = losses.stream().mapToDouble(Double::doubleValue).filter(Double::isFinite).min().orElse(0);
    if (Double.isFinite(baselineLoss)) {
      max = Math.max(max, baselineLoss);
    }
    if (Double.isFinite(heldOutLoss)) {
      min = Math.min(min, heldOutLoss);
    }
    double yMin = Math.max(0, Math.floor(min - 0.2));
    double yMax = Math.ceil(max + 0.2);
    int lastStep = Math.max(steps.isEmpty() ? 0 : steps.get(steps.size() - 1), 1);
    Axes axes = new Axes(lastStep, yMin, yMax);

    g.setColor(new Color(235, 235, 235));
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    for (int i = 0; i <= 5; i++) {
      double v = yMin + (yMax - yMin) * i / 5;
      int y = axes.y(v);
      g.setColor(new Color(230, 230, 230));
      g.drawLine(LEFT, y, WIDTH - RIGHT, y);
      g.setColor(Color.DARK_GRAY);
      g.drawString(String.format("%.1f", v), 20, y + 4);
      int step = (int) ((long) lastStep * i / 5);
      g.drawString(Integer.toString(step), axes.x(step) - 10, HEIGHT - BOTTOM + 20);
    }
    g.setColor(Color.BLACK);
    g.drawRect(LEFT, TOP, WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    g.drawString(title, LEFT, 30);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.drawString("step", WIDTH / 2, HEIGHT - 20);
    g.drawString("loss (nats/token)", 5, TOP - 10);

    g.setColor(new Color(120, 160, 220));
    g.setStroke(new BasicStroke(1f));
    g.draw(path(steps, losses, axes));
    g.setColor(new Color(20, 60, 160));
    g.setStroke(new BasicStroke(2.2f));
    g.draw(path(steps, movingAverage(losses, Math.max(1, losses.size() / 50)), axes));
    legend(g, 0, new Color(20, 60, 160), "train loss (moving average)");
    if (Double.isFinite(heldOutLoss)) {
      horizontal(g, axes, heldOutLoss, new Color(0, 140, 60));
      legend(g, 1, new Color(0, 140, 60), String.format("held-out loss %.3f", heldOutLoss));
    }
    if (Double.isFinite(baselineLoss)) {
      horizontal(g, axes, baselineLoss, new Color(200, 60, 40));
      legend(g, 2, new Color(200, 60, 40), String.format("unigram baseline %.3f", baselineLoss));
    }
    g.dispose();
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, "png", png);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return png.toByteArray();
  }

  static List<Double> movingAverage(List<Double> values, int window) {
    double[] out = new double[values.size()];
    double sum = 0;
    for (int i = 0; i < values.size(); i++) {
      sum += values.get(i);
      if (i >= window) {
        sum -= values.get(i - window);
      }
      out[i] = sum / Math.min(i + 1, window);
    }
    return java.util.Arrays.stream(out).boxed().toList();
  }

  private static Path2D path(List<Integer> steps, List<Double> values, Axes axes) {
    Path2D path = new Path2D.Double();
    for (int i = 0; i < values.size(); i++) {
      double v = values.get(i);
      if (!Double.isFinite(v)) {
        continue;
      }
      if (path.getCurrentPoint() == null) {
        path.moveTo(axes.x(steps.get(i)), axes.y(v));
      } else {
        path.lineTo(axes.x(steps.get(i)), axes.y(v));
      }
    }
    return path;
  }

  private static void horizontal(Graphics2D g, Axes axes, double v, Color color) {
    g.setColor(color);
    g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
    g.drawLine(LEFT, axes.y(v), WIDTH - RIGHT, axes.y(v));
  }

  private static void legend(Graphics2D g, int row, Color color, String label) {
    int x = WIDTH - RIGHT - 230;
    int y = TOP + 20 + row * 18;
    g.setColor(color);
    g.setStroke(new BasicStroke(2.5f));
    g.drawLine(x, y - 4, x + 24, y - 4);
    g.setColor(Color.BLACK);
    g.drawString(label, x + 30, y);
  }

  private record Axes(int steps, double yMin, double yMax) {
    int x(double step) {
      return LEFT + (int) Math.round((WIDTH - LEFT - RIGHT) * step / steps);
    }

    int y(double v) {
      return TOP + (int) Math.round((HEIGHT - TOP - BOTTOM) * (yMax - v) / (yMax - yMin));
    }
  }
}
