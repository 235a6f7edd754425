// Command commongen builds risk/common_passwords.bin, the offline list of
// common breached passwords that risk.CommonPasswords embeds, from word
// lists (one password per line) named on the command line:
//
//	go run ./risk/internal/commongen -o risk/common_passwords.bin passwords.txt more.txt
//
// Each password is lower-cased (the check is case-insensitive: "Dragon1"
// is as weak as "dragon1"), hashed with SHA-256 and cut to its first 8
// bytes; the file is those 8-byte keys sorted, without duplicates. A
// false match needs a 64-bit collision with one of ~30,000 keys, about
// one in 6×10¹⁴ per password checked.
//
// The shipped file was built from the 30,000 most frequent passwords of
// Mark Burnett's 10-million-password corpus, as zxcvbn 4.4.2 (npm,
// MIT licence) distributes them in lib/frequency_lists.js, plus the list
// userpool refused before.
package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
)

func main() {
	out := flag.String("o", "common_passwords.bin", "output file")
	flag.Parse()
	if err := run(*out, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "commongen:", err)
		os.Exit(1)
	}
}

func run(out string, inputs []string) error {
	var keys [][]byte
	for _, name := range inputs {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			pw := strings.TrimSpace(sc.Text())
			if pw == "" {
				continue
			}
			sum := sha256.Sum256([]byte(strings.ToLower(pw)))
			keys = append(keys, sum[:8])
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	slices.SortFunc(keys, bytes.Compare)
	keys = slices.CompactFunc(keys, bytes.Equal)
	return os.WriteFile(out, bytes.Join(keys, nil), 0o644)
}
