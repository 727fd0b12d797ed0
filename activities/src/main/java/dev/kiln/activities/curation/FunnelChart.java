package dev.kiln.activities.curation;

import dev.kiln.workflows.curation.StepStats;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * The curation funnel as a PNG: one row per step, a bar for the share of raw tokens and a thinner one for
 * the share of raw documents still there after the step, so the step that removes most stands out.
 */
public final class FunnelChart {
  private static final int WIDTH = 900;
  private static final int ROW = 38;
  private static final int TOP = 60;
  private static final int BOTTOM = 40;
  private static final int LEFT = 170;
  private static final int RIGHT = 190;
  private static final Color TOKENS = new Color(20, 60, 160);
  private static final Color DOCUMENTS = new Color(120, 170, 230);

  private FunnelChart() {}

  public static byte[] render(String title, List<StepStats> funnel) {
    int height = TOP + ROW * funnel.size() + BOTTOM;
    BufferedImage image = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, WIDTH, height);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    g.drawString(title, 20, 25);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    legend(g, 20, TOKENS, "raw tokens left");
    legend(g, 160, DOCUMENTS, "raw documents left");

    double rawTokens = Math.max(1, funnel.get(0).tokensIn());
    double rawDocuments = Math.max(1, funnel.get(0).documentsIn());
    int barWidth = WIDTH - LEFT - RIGHT;
    for (int i = 0; i < funnel.size(); i++) {
      StepStats step = funnel.get(i);
      int y = TOP + i * ROW;
      double tokens = step.tokensKept() / rawTokens;
      double documents = step.documentsKept() / rawDocuments;
      g.setColor(new Color(240, 240, 240));
      g.fillRect(LEFT, y, barWidth, 26);
      g.setColor(TOKENS);
      g.fillRect(LEFT, y, (int) Math.round(barWidth * tokens), 16);
      g.setColor(DOCUMENTS);
      g.fillRect(LEFT, y + 18, (int) Math.round(barWidth * documents), 8);
      g.setColor(Color.BLACK);
      g.drawString(step.step(), 20, y + 17);
      g.drawString(String.format(Locale.ROOT, "%.1f%% tokens, %.1f%% docs", 100 * tokens, 100 * documents),
          LEFT + barWidth + 10, y + 17);
    }
    g.setColor(Color.DARK_GRAY);
    g.drawString("after each step, as a share of the raw input (GPT-2 reference tokens)", LEFT, height - 15);
    g.dispose();
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, "png", png);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return png.toByteArray();
  }

  private static void legend(Graphics2D g, int x, Color color, String label) {
    g.setColor(color);
    g.fillRect(x, 37, 20, 10);
    g.setColor(Color.BLACK);
    g.drawString(label, x + 26, 47);
  }
}
