//! Error chains in the operator's words: the root cause first, then the layers that
//! wrapped it, all by their `Display`. The clients' own `Display` of a failure names only
//! the outermost layer ("dispatch failure", "error trying to connect") and their `Debug`
//! is Rust syntax, so neither tells someone on call what broke.

use std::error::Error;

/// `root cause (while: outer: … : inner)`, or just the root cause when nothing wrapped
/// it. Layers that only repeat what the layer below says are dropped.
pub fn root_first(e: &dyn Error) -> String {
    let (root, context) = split(e);
    if context.is_empty() {
        root
    } else {
        format!("{root} (while: {})", context.join(": "))
    }
}

/// The root cause in words, and the wrapping layers outermost first.
pub fn split(e: &dyn Error) -> (String, Vec<String>) {
    let mut layers: Vec<String> = Vec::new();
    let mut push = |err: &dyn Error| {
        let text = err.to_string();
        if !text.trim().is_empty() {
            layers.push(text.trim().to_string());
        }
    };
    push(e);
    let mut cur = e.source();
    while let Some(err) = cur {
        push(err);
        cur = err.source();
    }
    let Some(root) = layers.pop() else {
        return ("unknown error".into(), Vec::new());
    };
    let mut context: Vec<String> = Vec::new();
    let mut below = root.clone();
    for layer in layers.into_iter().rev() {
        // hyper and tonic-style errors print "outer: inner" themselves.
        let own = layer
            .strip_suffix(below.as_str())
            .map(|s| s.trim_end_matches([':', ' ']).to_string())
            .unwrap_or_else(|| layer.clone());
        if !own.is_empty() && !context.contains(&own) {
            context.push(own);
        }
        below = layer;
    }
    context.reverse();
    (in_words(&root), context)
}

/// The operating system's phrasing, with what it means here where that is not obvious.
fn in_words(root: &str) -> String {
    let lower = root.to_ascii_lowercase();
    let meaning = if lower.contains("connection refused") {
        Some("nothing is listening at that address")
    } else if lower.contains("failed to lookup address")
        || lower.contains("name or service not known")
    {
        Some("the host name does not resolve")
    } else if lower.contains("timed out") || lower.contains("deadline has elapsed") {
        Some("no answer in time")
    } else if lower.contains("certificate") {
        Some("TLS: the server's certificate is not trusted")
    } else {
        None
    };
    match meaning {
        Some(m) => format!("{m}: {root}"),
        None => root.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<dyn Error + 'static>>);

    impl std::fmt::Display for Layer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl Error for Layer {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            self.1.as_deref()
        }
    }

    fn chain(texts: &[&'static str]) -> Layer {
        let mut inner: Option<Box<dyn Error>> = None;
        for t in texts.iter().rev() {
            inner = Some(Box::new(Layer(t, inner)));
        }
        Layer("outermost", inner)
    }

    #[test]
    fn the_root_cause_comes_first_and_repeats_are_dropped() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused).to_string();
        let e = Layer(
            "dispatch failure",
            Some(Box::new(Layer(
                "error trying to connect: tcp connect error",
                Some(Box::new(Layer(
                    "tcp connect error",
                    Some(Box::new(std::io::Error::from(
                        std::io::ErrorKind::ConnectionRefused,
                    ))),
                ))),
            ))),
        );
        assert_eq!(
            root_first(&e),
            format!(
                "nothing is listening at that address: {refused} \
                 (while: dispatch failure: error trying to connect: tcp connect error)"
            )
        );
    }

    #[test]
    fn a_lone_error_is_its_own_root() {
        let e = Layer("the server said no", None);
        assert_eq!(root_first(&e), "the server said no");
        let c = chain(&["a", "b"]);
        assert_eq!(root_first(&c), "b (while: outermost: a)");
    }
}
