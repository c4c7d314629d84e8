//! Secret values hidden in the answers that carry what blocks produced: block-run errors, log lines and output
//! previews. The worker already hides the values a block could read in its log and error as it writes them; this
//! hides them again on the way out (values set since, and outputs, which are stored as the block returned them).
//! Answers that carry the project's own files (code, io_config.yaml) are left as they are: masking them would
//! write `******` back on the next save.

use model::Mask;

use crate::dto::{BlockRunDto, ExecutionDto, LogLineDto, OutputDto};
use crate::{ApiError, AppState};

/// The mask of the project's secrets now (read again only when they changed).
pub(crate) async fn current(state: &AppState) -> Result<Mask, ApiError> {
    Ok(state.secrets.mask().await?)
}

/// An answer part that may carry what a block produced.
pub(crate) trait Masked {
    /// Hides the values of `mask` in it.
    fn mask(&mut self, mask: &Mask);

    /// Itself with the values of `mask` hidden.
    fn masked(mut self, mask: &Mask) -> Self
    where
        Self: Sized,
    {
        if !mask.is_empty() {
            self.mask(mask);
        }
        self
    }
}

impl<T: Masked> Masked for Vec<T> {
    fn mask(&mut self, mask: &Mask) {
        self.iter_mut().for_each(|item| item.mask(mask));
    }
}

impl Masked for BlockRunDto {
    fn mask(&mut self, mask: &Mask) {
        self.error = self.error.take().map(|error| mask.apply_owned(error));
    }
}

impl Masked for LogLineDto {
    fn mask(&mut self, mask: &Mask) {
        self.text = mask.apply_owned(std::mem::take(&mut self.text));
    }
}

impl Masked for OutputDto {
    fn mask(&mut self, mask: &Mask) {
        if let Some(value) = self.value.as_mut() {
            mask.apply_json(value);
        }
        if let Some(table) = self.table.as_mut() {
            for column in &mut table.columns {
                column.name = mask.apply_owned(std::mem::take(&mut column.name));
            }
            for row in &mut table.rows {
                row.iter_mut().for_each(|cell| mask.apply_json(cell));
            }
        }
    }
}

impl Masked for ExecutionDto {
    fn mask(&mut self, mask: &Mask) {
        self.block_runs.mask(mask);
        self.logs.mask(mask);
        self.outputs.mask(mask);
    }
}
