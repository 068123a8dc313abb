// cat_file: prints the host file named by argv[1], then checks that opening
// it for writing is refused (and, given argv[2], that creating that file is
// refused too), for tests/e2e/test_host_files.sh.
// Exit status: 0 read it and the write-open was refused; 3 cannot open it;
// 4 a write-open succeeded (the VM must never allow that); 2 bad usage.
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) {
    printf("usage: cat_file PATH\n");
    return 2;
  }
  int fd = open(argv[1], O_RDONLY);
  if (fd < 0) {
    printf("cat_file: cannot open %s\n", argv[1]);
    return 3;
  }
  char buf[256];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) fwrite(buf, 1, (size_t)n, stdout);
  close(fd);
  int w = open(argv[1], O_WRONLY | O_APPEND);
  if (w >= 0) {
    printf("cat_file: opened %s for writing\n", argv[1]);
    return 4;
  }
  if (argc > 2) {
    int c = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (c >= 0) {
      printf("cat_file: created %s\n", argv[2]);
      return 4;
    }
  }
  printf("cat_file: write-open refused\n");
  return 0;
}
