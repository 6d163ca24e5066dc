use super::*;

#[test]
fn builtins_parse_completely() {
    for (name, _) in BUILTINS {
        let t = Theme::load(name, None).expect("built-in parses");
        assert_eq!(t.name, *name);
        assert_ne!(t.accent, Theme::fallback().accent);
    }
}

#[test]
fn user_dir_shadows_builtins_and_keeps_missing_slots() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("dark.toml"), "accent = \"red\"\n").expect("write");
    let t = Theme::load("dark", Some(dir.path())).expect("loads");
    assert_eq!(t.accent, Color::Red);
    assert_eq!(t.warn, Theme::dark().warn);
    assert_eq!(t.warn, Color::Rgb(0xff, 0xaf, 0));
    assert_eq!(
        Theme::load("light", Some(dir.path())).map(|t| t.name),
        Ok("light".into())
    );
}

#[test]
fn malformed_file_names_file_line_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("broken.toml");
    std::fs::write(&file, "fg = \"white\"\nbg = \"black\n").expect("write");
    let err = Theme::load("broken", Some(dir.path())).expect_err("must fail");
    let ThemeError::Parse { file: f, line, .. } = &err else {
        panic!("wrong error {err:?}");
    };
    assert_eq!((f, *line), (&file, 2));
    assert!(
        err.to_string()
            .starts_with(&format!("{}:2:", file.display())),
        "{err}"
    );
}

#[test]
fn unknown_slot_is_a_parse_error_at_its_position() {
    let err = Theme::from_toml(
        "t",
        Path::new("t.toml"),
        "fg = \"red\"\n  acent = \"blue\"\n",
    )
    .expect_err("must fail");
    assert!(err.to_string().starts_with("t.toml:2:3:"), "{err}");
    assert!(err.to_string().contains("acent"), "{err}");
}

#[test]
fn unknown_colour_names_key_and_position() {
    let err = Theme::from_toml(
        "t",
        Path::new("t.toml"),
        "fg = \"red\"\nwarn = \"blurple\"\n",
    )
    .expect_err("must fail");
    assert_eq!(
        err,
        ThemeError::UnknownColour {
            file: "t.toml".into(),
            line: 2,
            column: 8,
            key: "warn".into(),
            value: "blurple".into(),
        }
    );
    assert!(err.to_string().contains("`warn`"));
    let err = Theme::from_toml("t", Path::new("t.toml"), "ok = \"42\"\n");
    assert!(matches!(err, Err(ThemeError::UnknownColour { .. })));
}

#[test]
fn hex_colours_and_missing_theme() {
    let t = Theme::from_toml("t", Path::new("t.toml"), "ok = \"#00ff7f\"\n").expect("parses");
    assert_eq!(t.ok, Color::Rgb(0, 255, 127));
    let err = Theme::load("nope", Some(Path::new("/nonexistent"))).expect_err("missing");
    assert!(err.to_string().contains("available: dark, light"), "{err}");
}

#[test]
fn themes_are_chosen_by_name_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let themes = dir.path().join("themes");
    std::fs::create_dir_all(&themes).expect("themes dir");
    std::fs::write(dir.path().join("x.toml"), "fg = \"red\"\n").expect("outside");
    for name in ["../x", "/abs/path", "a.b", "", "x/../../x"] {
        let e = Theme::load(name, Some(&themes))
            .expect_err(name)
            .to_string();
        assert!(
            e.contains("is not a theme name") && e.contains("--theme-file"),
            "{e}"
        );
    }
    let t = Theme::load_file(&dir.path().join("x.toml")).expect("an explicit file loads");
    assert_eq!(t.fg, ratatui::style::Color::Red);
}

#[test]
fn five_builtins_and_a_user_theme_over_any_of_them() {
    let names: Vec<&str> = builtin_names().collect();
    assert!(names.len() >= 5, "{names:?}");
    for n in ["high-contrast", "colorblind"] {
        assert!(names.contains(&n), "{names:?}");
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("mine.toml"),
        "extends = \"light\"\nwarn = \"#ff8800\"\n",
    )
    .unwrap();
    let mine = Theme::load("mine", Some(dir.path())).unwrap();
    let light = Theme::load("light", None).unwrap();
    assert_eq!(mine.warn, Color::from_str("#ff8800").unwrap());
    assert_eq!(mine.fg, light.fg, "slots left out come from light");
    assert_eq!(mine.name, "mine");

    std::fs::write(
        dir.path().join("bad.toml"),
        "fg = \"red\"\nextends = \"nope\"\n",
    )
    .unwrap();
    let e = Theme::load("bad", Some(dir.path()))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("bad.toml:2:11") && e.contains("`extends`"),
        "{e}"
    );

    // An unknown name lists what could have been meant, the user's own themes too.
    let e = Theme::load("drak", Some(dir.path()))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("dark, light, high-contrast") && e.contains("mine"),
        "{e}"
    );
}

#[test]
fn no_color_keeps_the_selection_visible_without_a_hue() {
    let t = Theme::no_color();
    assert_eq!(t.warn, Color::Reset);
    assert!(t.selected().add_modifier.contains(Modifier::REVERSED));
    assert!(
        !Theme::dark()
            .selected()
            .add_modifier
            .contains(Modifier::REVERSED)
    );
}
