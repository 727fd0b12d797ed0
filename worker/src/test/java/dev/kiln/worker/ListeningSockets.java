package dev.kiln.worker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The TCP sockets a process and its descendants listen on, read from Linux's /proc (no ss or lsof needed). */
final class ListeningSockets {
  private ListeningSockets() {}

  /** One listening socket: who holds it and the address it is bound to. */
  record Socket(long pid, String command, String address, int port) {
    boolean loopback() {
      return address.startsWith("127.") || address.equals("::1") || address.startsWith("::ffff:127.");
    }

    @Override
    public String toString() {
      return command + " (pid " + pid + ") on " + address + ":" + port;
    }
  }

  static List<Socket> of(ProcessHandle root) throws IOException {
    Map<String, String[]> listening = new HashMap<>(); // inode -> address, port
    read(Path.of("/proc/net/tcp"), false, listening);
    read(Path.of("/proc/net/tcp6"), true, listening);
    List<Socket> sockets = new ArrayList<>();
    List<ProcessHandle> processes = new ArrayList<>(List.of(root));
    root.descendants().forEach(processes::add);
    for (ProcessHandle p : processes) {
      Path fds = Path.of("/proc", Long.toString(p.pid()), "fd");
      String command = p.info().command().map(c -> Path.of(c).getFileName().toString()).orElse("?");
      try (Stream<Path> entries = Files.list(fds)) {
        for (Path fd : entries.toList()) {
          String target;
          try {
            target = Files.readSymbolicLink(fd).toString();
          } catch (IOException gone) {
            continue;
          }
          if (target.startsWith("socket:[")) {
            String[] at = listening.get(target.substring(8, target.length() - 1));
            if (at != null) {
              sockets.add(new Socket(p.pid(), command, at[0], Integer.parseInt(at[1])));
            }
          }
        }
      } catch (IOException exited) {
        // the process ended while we looked
      }
    }
    return sockets;
  }

  private static void read(Path table, boolean v6, Map<String, String[]> into) throws IOException {
    if (!Files.exists(table)) {
      return;
    }
    List<String> lines = Files.readAllLines(table);
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.trim().split("\\s+");
      if (!f[3].equals("0A")) { // TCP_LISTEN
        continue;
      }
      String[] local = f[1].split(":");
      into.put(f[9], new String[] {v6 ? ipv6(local[0]) : ipv4(local[0]), Integer.toString(Integer.parseInt(local[1], 16))});
    }
  }

  /** /proc writes an IPv4 address as one little-endian 32-bit hex word. */
  private static String ipv4(String hex) {
    long v = Long.parseLong(hex, 16);
    return (v & 0xff) + "." + ((v >> 8) & 0xff) + "." + ((v >> 16) & 0xff) + "." + ((v >> 24) & 0xff);
  }

  /** ... and IPv6 as four such words; the v4-mapped form (::ffff:a.b.c.d) and :: and ::1 are named as such. */
  private static String ipv6(String hex) {
    int[] bytes = new int[16];
    for (int word = 0; word < 4; word++) {
      long v = Long.parseLong(hex.substring(word * 8, word * 8 + 8), 16);
      for (int b = 0; b < 4; b++) {
        bytes[word * 4 + b] = (int) ((v >> (8 * b)) & 0xff);
      }
    }
    boolean zeroPrefix = true;
    for (int i = 0; i < 10; i++) {
      zeroPrefix &= bytes[i] == 0;
    }
    if (zeroPrefix && bytes[10] == 0xff && bytes[11] == 0xff) {
      return "::ffff:" + bytes[12] + "." + bytes[13] + "." + bytes[14] + "." + bytes[15];
    }
    boolean allZero = zeroPrefix && bytes[10] == 0 && bytes[11] == 0 && bytes[12] == 0 && bytes[13] == 0 && bytes[14] == 0;
    if (allZero && bytes[15] == 1) {
      return "::1";
    }
    if (allZero && bytes[15] == 0) {
      return "::";
    }
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 16; i += 2) {
      s.append(i == 0 ? "" : ":").append(Integer.toHexString((bytes[i] << 8) | bytes[i + 1]));
    }
    return s.toString();
  }
}
