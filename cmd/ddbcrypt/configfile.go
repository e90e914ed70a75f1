package main

// Configuration files (package config, docs/config.md) named by a flag.

import (
	"errors"
	"fmt"

	cfgfile "github.com/ddbcrypt/ddbcrypt/config"
)

// loadConfig loads the configuration file that --flag names. A missing,
// unreadable or malformed file is a usage error naming the flag, the file
// and the field (configError).
func loadConfig(flag, path string) (*cfgfile.Config, error) {
	if path == "" {
		return nil, usagef("--%s must not be empty", flag)
	}
	cfg, err := cfgfile.LoadFile(path)
	if err != nil {
		return nil, configError(flag, path, err)
	}
	return cfg, nil
}

// configError says that err came from the configuration file path of
// --flag. A *config.Error — the file, or one of its fields, is wrong, and
// its message names the field — is a usage error: the command line named a
// file that cannot be used. Other errors (an AWS call) stay failures.
func configError(flag, path string, err error) error {
	err = fmt.Errorf("--%s %s: %w", flag, path, err)
	if ce := (*cfgfile.Error)(nil); errors.As(err, &ce) {
		return &usageError{err}
	}
	return err
}
