//! Encoder for PostgreSQL's binary COPY format.

/// Builds the body of `COPY ... FROM STDIN (FORMAT binary)`.
pub struct BinaryCopy {
    buf: Vec<u8>,
    fields: i16,
}

impl BinaryCopy {
    pub fn new(fields: i16, capacity: usize) -> Self {
        let mut buf = Vec::with_capacity(capacity + 21);
        buf.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
        buf.extend_from_slice(&0i32.to_be_bytes()); // flags
        buf.extend_from_slice(&0i32.to_be_bytes()); // header extension
        BinaryCopy { buf, fields }
    }

    pub fn row(&mut self) {
        self.buf.extend_from_slice(&self.fields.to_be_bytes());
    }

    /// Current length; the offset of the next field's value is `len() + 4`.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.len() <= 19
    }

    pub fn null(&mut self) {
        self.buf.extend_from_slice(&(-1i32).to_be_bytes());
    }

    pub fn i64(&mut self, v: i64) {
        self.buf.extend_from_slice(&8i32.to_be_bytes());
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub fn i32(&mut self, v: Option<i32>) {
        match v {
            Some(v) => {
                self.buf.extend_from_slice(&4i32.to_be_bytes());
                self.buf.extend_from_slice(&v.to_be_bytes());
            }
            None => self.null(),
        }
    }

    pub fn bool(&mut self, v: Option<bool>) {
        match v {
            Some(v) => {
                self.buf.extend_from_slice(&1i32.to_be_bytes());
                self.buf.push(u8::from(v));
            }
            None => self.null(),
        }
    }

    pub fn bytes(&mut self, v: &[u8]) {
        self.buf.extend_from_slice(&(v.len() as i32).to_be_bytes());
        self.buf.extend_from_slice(v);
    }

    pub fn text(&mut self, v: Option<&str>) {
        match v {
            Some(s) => self.bytes(s.as_bytes()),
            None => self.null(),
        }
    }

    /// Overwrites an i64 value written earlier at `offset` (the value's
    /// first byte, after its length).
    pub fn patch_i64(&mut self, offset: usize, v: i64) {
        self.buf[offset..offset + 8].copy_from_slice(&v.to_be_bytes());
    }

    /// Appends rows encoded by another encoder (without header/trailer).
    pub fn extend_raw(&mut self, rows: &[u8]) {
        self.buf.extend_from_slice(rows);
    }

    pub fn finish(mut self) -> Vec<u8> {
        self.buf.extend_from_slice(&(-1i16).to_be_bytes());
        self.buf
    }
}
