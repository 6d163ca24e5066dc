//! A PV's access modes. Nearly every PV has one of the four Kubernetes knows, and a list
//! of strings for it cost some 60 bytes a row; these are packed in order, four bits each.

use super::intern::Sym;

const KNOWN: [&str; 4] = [
    "ReadWriteOnce",
    "ReadOnlyMany",
    "ReadWriteMany",
    "ReadWriteOncePod",
];
const BITS: u32 = 4;
/// Slots in a packed list; a longer one (a spec repeating modes) is kept as it came.
const SLOTS: usize = (u32::BITS / BITS) as usize;

/// The modes in the order the spec lists them, as `spec.accessModes` had them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessModes(Repr);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Repr {
    /// Index + 1 into `KNOWN` per slot, lowest bits first; 0 ends the list.
    Packed(u32),
    /// Some mode Kubernetes did not have when this was written.
    Other(Box<[Sym]>),
}

impl Default for AccessModes {
    fn default() -> Self {
        AccessModes(Repr::Packed(0))
    }
}

fn pack<S: AsRef<str>>(modes: &[S]) -> Option<u32> {
    if modes.len() > SLOTS {
        return None;
    }
    let mut packed = 0;
    for (slot, m) in modes.iter().enumerate() {
        let code = KNOWN.iter().position(|k| *k == m.as_ref())? as u32 + 1;
        packed |= code << (slot as u32 * BITS);
    }
    Some(packed)
}

impl AccessModes {
    pub fn new<S: AsRef<str>>(modes: &[S]) -> Self {
        AccessModes(match pack(modes) {
            Some(p) => Repr::Packed(p),
            None => Repr::Other(modes.iter().map(|m| Sym::new(m.as_ref())).collect()),
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = &'static str> + '_ {
        let packed = match &self.0 {
            Repr::Packed(p) => Some(*p),
            Repr::Other(_) => None,
        };
        let codes = packed.into_iter().flat_map(|p| {
            (0..SLOTS as u32)
                .map(move |slot| (p >> (slot * BITS)) & ((1 << BITS) - 1))
                .take_while(|code| *code != 0)
                .map(|code| KNOWN[code as usize - 1])
        });
        let other = match &self.0 {
            Repr::Other(m) => &m[..],
            Repr::Packed(_) => &[],
        };
        codes.chain(other.iter().map(|s| s.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_back_in_order() {
        for modes in [
            &[][..],
            &["ReadWriteMany", "ReadOnlyMany"][..],
            &["ReadWriteOncePod"][..],
            &["ReadWriteOnce", "Custom"][..],
            &["ReadWriteOnce"; 9][..],
        ] {
            let m = AccessModes::new(modes);
            assert_eq!(m.iter().collect::<Vec<_>>(), modes);
            assert_eq!(m.is_empty(), modes.is_empty());
        }
        assert!(matches!(
            AccessModes::new(&["ReadWriteMany"]).0,
            Repr::Packed(_)
        ));
    }
}
