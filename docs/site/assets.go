package site

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"github.com/elt-dev/elt/internal/targetfs"
)

// CopyAssets copies the project's asset-paths folders (images and other
// files its docs refer to) into the target folder under the same relative
// paths, as dbt docs generate does, so the site finds them beside it.
func CopyAssets(root string, assetPaths []string, dir *targetfs.Dir) error {
	for _, ap := range assetPaths {
		clean := path.Clean(filepath.ToSlash(ap))
		if clean == "." || path.IsAbs(clean) || clean == ".." || len(clean) > 2 && clean[:3] == "../" {
			return fmt.Errorf("asset-paths: %q must be a folder inside the project", ap)
		}
		src := filepath.Join(root, filepath.FromSlash(clean))
		info, err := os.Stat(src)
		if os.IsNotExist(err) {
			continue // dbt skips asset paths that do not exist
		}
		if err != nil {
			return fmt.Errorf("asset-paths: %w", err)
		}
		if !info.IsDir() {
			return fmt.Errorf("asset-paths: %s is not a folder", ap)
		}
		err = fs.WalkDir(os.DirFS(src), ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.Type().IsRegular() {
				return nil // folders are made as needed; links are not followed
			}
			b, err := os.ReadFile(filepath.Join(src, filepath.FromSlash(p)))
			if err != nil {
				return err
			}
			return dir.WriteFile(path.Join(clean, p), b)
		})
		if err != nil {
			return fmt.Errorf("asset-paths: copy %s into the target folder: %w", ap, err)
		}
	}
	return nil
}
