//! A serializable message envelope for crossing a worker boundary (the browser's
//! `postMessage` fallback, a WASI host pipe): a channel id, a sequence number and the
//! message encoded with `postcard` (compact, `no_std`-friendly, varint integers).
//!
//! Enabled by the default `envelope` feature (`serde` + `postcard`).
//!
//! # Examples
//! ```
//! use portalis_primitives::channel::envelope::Envelope;
//!
//! let e = Envelope::seal(7, 0, &("job", 42u32)).unwrap();
//! let bytes = e.to_bytes().unwrap();
//! let back = Envelope::from_bytes(&bytes).unwrap();
//! assert_eq!(back.open::<(String, u32)>().unwrap(), ("job".to_string(), 42));
//! ```

use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// One message in transit: which channel, its position, and the encoded payload.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Envelope {
    /// The id of the channel the message belongs to (chosen by the bridge).
    pub channel: u64,
    /// Per-channel sequence number (lets the far side detect loss or reordering).
    pub seq: u64,
    /// The message, postcard-encoded.
    pub payload: Vec<u8>,
}

/// Encoding or decoding an [`Envelope`] failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("envelope {op} failed: {source}")]
pub struct EnvelopeError {
    op: &'static str,
    #[source]
    source: postcard::Error,
}

impl Envelope {
    /// Encodes `msg` into an envelope.
    ///
    /// # Errors
    /// If `msg`'s `Serialize` impl fails.
    pub fn seal<T: Serialize + ?Sized>(
        channel: u64,
        seq: u64,
        msg: &T,
    ) -> Result<Envelope, EnvelopeError> {
        let payload =
            postcard::to_allocvec(msg).map_err(|source| EnvelopeError { op: "seal", source })?;
        Ok(Envelope {
            channel,
            seq,
            payload,
        })
    }

    /// Decodes the payload.
    ///
    /// # Errors
    /// If the payload is not a valid encoding of `T`.
    pub fn open<T: DeserializeOwned>(&self) -> Result<T, EnvelopeError> {
        postcard::from_bytes(&self.payload).map_err(|source| EnvelopeError { op: "open", source })
    }

    /// The whole envelope as bytes (for `postMessage` / a pipe).
    ///
    /// # Errors
    /// Never in practice (the fields always serialize); kept fallible for the format's API.
    pub fn to_bytes(&self) -> Result<Vec<u8>, EnvelopeError> {
        postcard::to_allocvec(self).map_err(|source| EnvelopeError {
            op: "encode",
            source,
        })
    }

    /// Parses bytes made by [`to_bytes`](Self::to_bytes).
    ///
    /// # Errors
    /// On truncated or malformed input.
    pub fn from_bytes(bytes: &[u8]) -> Result<Envelope, EnvelopeError> {
        postcard::from_bytes(bytes).map_err(|source| EnvelopeError {
            op: "decode",
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Job {
        id: u64,
        name: String,
        args: Vec<i32>,
        unit: (),
    }

    #[test]
    fn round_trip_struct() {
        let job = Job {
            id: u64::MAX,
            name: "ünïcode".into(),
            args: vec![-1, 0, i32::MAX],
            unit: (),
        };
        let e = Envelope::seal(3, 9, &job).unwrap();
        let back = Envelope::from_bytes(&e.to_bytes().unwrap()).unwrap();
        assert_eq!(back, e);
        assert_eq!(back.open::<Job>().unwrap(), job);
    }

    #[test]
    fn round_trip_zst_and_empty() {
        let e = Envelope::seal(0, 0, &()).unwrap();
        assert!(e.payload.is_empty());
        back_eq(&e);
        e.open::<()>().unwrap();
    }

    fn back_eq(e: &Envelope) {
        assert_eq!(&Envelope::from_bytes(&e.to_bytes().unwrap()).unwrap(), e);
    }

    #[test]
    fn truncated_input_is_an_error() {
        let bytes = Envelope::seal(1, 2, &"hello").unwrap().to_bytes().unwrap();
        assert!(Envelope::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        let e = Envelope::seal(1, 2, &1u8).unwrap();
        assert!(e.open::<String>().is_err() || e.open::<String>().is_ok_and(|s| s.is_empty()));
    }
}
